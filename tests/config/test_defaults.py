"""The shipped ``default.toml`` is the complete, valid default, and the models agree with it."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from devfunnel.config import Settings, default_config_text, load_settings

Key = tuple[str, ...]
_MISSING = object()


def _leaves(model: type[BaseModel], prefix: Key = ()) -> dict[Key, FieldInfo]:
    """Every setting reachable through nested sections (lists of tables count as one)."""
    found: dict[Key, FieldInfo] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.update(_leaves(annotation, (*prefix, name)))
        else:
            found[(*prefix, name)] = field
    return found


def _lookup(document: dict[str, Any], key: Key) -> Any:
    node: Any = document
    for part in key:
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _commented_keys(text: str) -> set[Key]:
    """``(section..., key)`` for each ``# key =`` line, by the table header above it."""
    section: Key = ()
    found: set[Key] = set()
    for line in text.splitlines():
        header = re.match(r"^\[\[?([\w.]+)\]\]?\s*$", line)
        if header:
            section = tuple(header.group(1).split("."))
            continue
        commented = re.match(r"^#\s*(\w+)\s*=", line)
        if commented:
            found.add((*section, commented.group(1)))
    return found


LEAVES = _leaves(Settings)
DOCUMENT = tomllib.loads(default_config_text())
OPTIONAL_UNSET = {key for key, field in LEAVES.items() if field.default is None}
WITH_DEFAULT = {
    key: field
    for key, field in LEAVES.items()
    if field.default is not PydanticUndefined or field.default_factory is not None
}


def _dotted(key: Key) -> str:
    return ".".join(key)


def test_default_configuration_loads(settings: Settings) -> None:
    assert settings.database.url == "duckdb:///devfunnel.duckdb"
    assert settings.server.port == 8000
    assert [s.outcome for s in settings.pipeline.stages].count("won") == 1
    assert settings.journey.stage_ids() == ["discover", "evaluate", "learn", "build", "scale"]
    assert settings.activity("signed_up").channel == "product"


def test_default_settings_equal_the_default_file(settings: Settings) -> None:
    assert settings == Settings.model_validate(DOCUMENT)


def test_leaves_cover_the_settings() -> None:
    # Guard the helper itself: nested sections are walked, lists of tables are leaves.
    assert ("server", "port") in LEAVES
    assert ("scoring", "momentum_weights", "activity") in LEAVES
    assert ("activity_types",) in LEAVES
    assert ("server", "secret_key") in OPTIONAL_UNSET


@pytest.mark.parametrize("key", sorted(set(LEAVES) - OPTIONAL_UNSET), ids=_dotted)
def test_every_setting_is_written_in_default_file(key: Key) -> None:
    assert _lookup(DOCUMENT, key) is not _MISSING, f"{_dotted(key)} is missing from default.toml"


@pytest.mark.parametrize("key", sorted(OPTIONAL_UNSET), ids=_dotted)
def test_optional_settings_appear_commented_out(key: Key) -> None:
    assert _lookup(DOCUMENT, key) is _MISSING, f"{_dotted(key)} should be left unset"
    assert key in _commented_keys(default_config_text()), (
        f"default.toml should show `# {key[-1]} =` under [{_dotted(key[:-1])}]"
    )


@pytest.mark.parametrize("key", sorted(set(WITH_DEFAULT) - OPTIONAL_UNSET), ids=_dotted)
def test_model_default_equals_default_file(key: Key) -> None:
    model_default = WITH_DEFAULT[key].get_default(call_default_factory=True)

    assert model_default == _lookup(DOCUMENT, key), (
        f"{_dotted(key)}: the model default and default.toml disagree"
    )


def test_commented_keys_parser_reads_sections() -> None:
    text = "[a]\nx = 1\n# y = 2\n[[b.c]]\n#   z = 'q'\n# just a comment\n"
    assert _commented_keys(text) == {("a", "y"), ("b", "c", "z")}


def test_default_file_never_sets_a_secret() -> None:
    for key in LEAVES:
        if "secret" in key[-1]:
            assert _lookup(DOCUMENT, key) is _MISSING


def test_loading_defaults_ignores_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEVFUNNEL_SERVER_PORT", "9999")
    assert load_settings(None, environ={}).server.port == 8000
