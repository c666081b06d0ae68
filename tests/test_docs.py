"""The user documentation under ``docs/`` stays true to the code.

A setting, a command or an API route that is added without being documented fails here,
as does documentation of a setting, command, module or error class that does not exist, a
documented default that differs from the shipped one, or an example configuration error
whose output no longer matches what devfunnel prints.
"""

from __future__ import annotations

import re
import tomllib
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from starlette.routing import BaseRoute, Mount

from devfunnel import errors
from devfunnel.cli.main import app as cli_app
from devfunnel.config import Settings, load_settings
from devfunnel.errors import ConfigError, DevfunnelError
from devfunnel.store import Store, migrate
from devfunnel.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src"

#: Every word the glossary must define under a heading of its own.
GLOSSARY_TERMS = (
    "account", "person", "identity", "identity key", "event", "batch", "program",
    "touchpoint", "feature", "lead", "opportunity", "stage", "exit criteria",
    "qualification", "MEDDPICC", "BANT", "technical validation", "handoff", "journey stage",
    "PQA", "PQL", "momentum", "fit", "grade", "subscription", "MRR movement", "health",
    "churn risk", "user", "role", "API key", "audit log", "ground truth",
)  # fmt: skip


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


# --- configuration keys ------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """A documented leaf of the configuration: ``section.key`` or ``list[].key``."""

    key: str
    field: FieldInfo
    #: Inside a list item (its default is the field's own, not the shipped file's).
    in_list: bool


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` as ``X``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _walk(
    model: type[BaseModel], prefix: str = "", in_list: bool = False
) -> Iterator[tuple[str, Setting | None]]:
    """``(key, setting)`` for leaves and ``(key, None)`` for tables and lists of tables."""
    for name, field in model.model_fields.items():
        key = prefix + name
        annotation = _unwrap(field.annotation)
        nested = _model(annotation)
        if nested is not None:
            yield key, None
            yield from _walk(nested, key + ".", in_list)
            continue
        if typing.get_origin(annotation) is list:
            item = _model(typing.get_args(annotation)[0])
            if item is not None:
                yield key, None
                yield from _walk(item, key + "[].", True)
                continue
        yield key, Setting(key, field, in_list)


WALKED = list(_walk(Settings))
SETTINGS = {key: setting for key, setting in WALKED if setting is not None}
ALL_KEYS = {key for key, _ in WALKED}


def test_the_walk_finds_nested_and_list_keys() -> None:
    for key in (
        "scoring.half_life_days",
        "activity_types[].weight",
        "activity_types[].track",
        "journey.stages[].milestones[].min_active_weeks",
        "pipeline.stages[].exit_criteria.min_qualification",
        "routing.rules[].when[].field",
        "commissions.plans[].accelerators[].rate",
        "routing.sla_minutes",
    ):
        assert key in SETTINGS, key


def test_every_setting_is_documented() -> None:
    text = read("configuration.md")
    missing = [key for key in SETTINGS if f"`{key}`" not in text]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"


@dataclass(frozen=True)
class Row:
    """A row of a ``| Key | Type | Default | Meaning |`` table."""

    key: str
    default: str
    line: int


def _cells(line: str) -> list[str]:
    """Cells of a Markdown table row; ``\\|`` inside a cell is a literal bar."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [p.strip().replace("\\|", "|") for p in parts[1:-1]]


def documented_rows() -> list[Row]:
    rows = []
    for number, line in enumerate(read("configuration.md").splitlines(), start=1):
        if not line.startswith("| `"):
            continue
        cells = _cells(line)
        key = re.fullmatch(r"`([^`]+)`", cells[0])
        if len(cells) == 4 and key:
            rows.append(Row(key.group(1), cells[2], number))
    return rows


ROWS = documented_rows()


def test_the_reference_tables_are_found() -> None:
    assert len(ROWS) >= len(SETTINGS)


def test_documented_keys_exist() -> None:
    unknown = [f"line {r.line}: {r.key}" for r in ROWS if r.key not in ALL_KEYS]
    assert not unknown, f"docs/configuration.md documents keys that do not exist: {unknown}"


def _effective(settings: Settings, key: str) -> Any:
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, part)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return value.model_dump()
    return value


def _field_default(field: FieldInfo) -> Any:
    return field.get_default(call_default_factory=True)


def _documented_value(cell: str) -> Any:
    return tomllib.loads(f"v = {cell}")["v"]


@pytest.mark.parametrize("row", [r for r in ROWS if r.key in SETTINGS], ids=lambda r: r.key)
def test_documented_default_is_the_shipped_one(row: Row, defaults: Settings) -> None:
    setting = SETTINGS[row.key]
    code = re.fullmatch(r"`(.+)`", row.default)
    if row.default == "required":
        assert setting.in_list, "only keys of list items can be required"
        assert setting.field.is_required(), f"{row.key} has a default"
        return
    if setting.in_list:
        assert not setting.field.is_required(), f"{row.key} is required"
        expected = _field_default(setting.field)
    else:
        expected = _effective(defaults, row.key)
    if row.default == "unset":
        assert expected is None, f"{row.key} defaults to {expected!r}"
        return
    assert code, f"line {row.line}: write the default as `value`, required or unset"
    assert _documented_value(code.group(1)) == expected


@pytest.fixture
def defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The shipped defaults, untouched by any local file or environment."""
    monkeypatch.chdir(tmp_path)
    return load_settings(None, environ={})


def _code_after(text: str, marker: str) -> str:
    """The fenced code block that follows ``<!-- marker -->``."""
    found = re.search(rf"<!-- {re.escape(marker)} -->\s*```[a-z]*\n(.*?)```", text, re.S)
    assert found, f"no code block after <!-- {marker} --> in docs/configuration.md"
    return found.group(1)


@pytest.mark.parametrize("example", ["bad-file", "bad-reference"])
def test_documented_configuration_errors_are_what_devfunnel_prints(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = read("configuration.md")
    monkeypatch.chdir(tmp_path)
    Path("devfunnel.toml").write_text(_code_after(text, f"example: {example}"), "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(Path("devfunnel.toml"), environ={})
    printed = [f"error: {caught.value.detail}", *(f"  - {p}" for p in caught.value.problems)]
    shown = [
        line
        for line in _code_after(text, f"output: {example}").splitlines()
        if line.startswith(("error: ", "  - "))
    ]
    assert shown == printed


# --- CLI ---------------------------------------------------------------------------------


def _subcommands(command: Any) -> dict[str, Any]:
    """A group's commands by name; empty for a plain command. (Typer ships its own copy
    of Click, so this goes by shape rather than by ``click.Group``.)"""
    return dict(getattr(command, "commands", None) or {})


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, sub in sorted(_subcommands(command).items()):
        yield (*path, name)
        yield from _commands(sub, (*path, name))


ROOT_COMMAND = typer.main.get_command(cli_app)
COMMANDS = list(_commands(ROOT_COMMAND))


def test_the_cli_walk_finds_subcommands() -> None:
    assert ("config", "show") in COMMANDS
    assert _resolves(["config", "show", "--json"])
    assert not _resolves(["forecast"])
    assert not _resolves(["config", "where"])


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_is_in_the_quick_start(path: tuple[str, ...]) -> None:
    assert f"devfunnel {' '.join(path)}" in read("quickstart.md")


def _invocations(text: str) -> Iterator[list[str]]:
    """Words after ``devfunnel`` in inline code and in command lines of code blocks."""
    spans = re.findall(r"(?<!`)`(devfunnel [^`]+)`(?!`)", text)
    lines = re.findall(r"^\$ (devfunnel .+)$", text, re.M)
    for invocation in [*spans, *lines]:
        yield invocation.split()[1:]


def _resolves(words: Sequence[str]) -> bool:
    """Whether the leading words name a command (options and arguments end the walk)."""
    command = ROOT_COMMAND
    for word in words:
        group = _subcommands(command)
        if word.startswith("-") or not group:
            return True
        if word not in group:
            return False
        command = group[word]
    return True


def test_documented_commands_exist() -> None:
    unknown = [" ".join(w) for w in _invocations(all_docs()) if not _resolves(w)]
    assert not unknown, f"docs name commands that do not exist: {unknown}"


# --- API ---------------------------------------------------------------------------------


def _route_paths(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[str]:
    """Paths of every route, through mounts and included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # FastAPI keeps included routers as nodes
            context = getattr(route, "include_context", None)
            yield from _route_paths(included.routes, prefix + getattr(context, "prefix", ""))
        elif isinstance(route, Mount):
            yield from _route_paths(route.routes, prefix + route.path)
        elif isinstance(path := getattr(route, "path", None), str):
            yield prefix + getattr(route, "path_format", path)


@pytest.fixture
def api_paths(defaults: Settings, tmp_path: Path) -> Iterator[set[str]]:
    store = Store(f"duckdb:///{tmp_path / 'docs.duckdb'}")
    try:
        migrate.upgrade(store)
        app = create_app(defaults, store, run_worker=False)
        paths = set(_route_paths(app.routes)) | set(app.openapi()["paths"])
        yield {p for p in paths if p.startswith("/api/")}
    finally:
        store.close()


def test_every_api_route_is_documented(api_paths: set[str]) -> None:
    assert "/api/v1/health" in api_paths
    text = all_docs()
    missing = sorted(p for p in api_paths if p not in text)
    assert not missing, f"API routes missing from docs/: {missing}"


def test_documented_api_routes_exist(api_paths: set[str]) -> None:
    named = set(re.findall(r"/api/v\d+/[A-Za-z0-9_{}/.-]*[A-Za-z0-9_}]", all_docs()))
    unknown = sorted(named - api_paths)
    assert not unknown, f"docs/ names API routes that do not exist: {unknown}"


# --- architecture ------------------------------------------------------------------------


def _module_paths(text: str) -> set[str]:
    found = set(re.findall(r"src/devfunnel/[A-Za-z0-9_./*-]*[A-Za-z0-9_/*]", text))
    found |= {f"src/{p}" for p in re.findall(r"(?<![/\w])devfunnel/[A-Za-z0-9_/]+\.py", text)}
    return found


def test_architecture_names_only_modules_that_exist() -> None:
    paths = _module_paths(read("architecture.md"))
    assert "src/devfunnel/errors.py" in paths
    missing = sorted(p for p in paths if not list(ROOT.glob(p)))
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def _error_classes() -> set[str]:
    found: set[str] = set()
    pending: list[type[DevfunnelError]] = [DevfunnelError]
    while pending:
        cls = pending.pop()
        if cls.__module__ == errors.__name__:
            found.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    return found


def test_architecture_draws_the_whole_error_tree() -> None:
    text = read("architecture.md")
    missing = sorted(name for name in _error_classes() if name not in text)
    assert not missing, f"error classes missing from docs/architecture.md: {missing}"


# --- glossary ----------------------------------------------------------------------------


def test_every_glossary_term_has_a_heading() -> None:
    headings = {
        re.sub(r"\s*\(.*\)$", "", line.lstrip("#").strip()).casefold()
        for line in read("glossary.md").splitlines()
        if line.startswith("#")
    }
    missing = [term for term in GLOSSARY_TERMS if term.casefold() not in headings]
    assert not missing, f"glossary terms without a heading in docs/glossary.md: {missing}"


def test_index_links_every_page() -> None:
    index = read("index.md")
    pages = sorted(p.name for p in DOCS.glob("*.md") if p.name != "index.md")
    missing = [page for page in pages if f"]({page})" not in index]
    assert not missing, f"docs/index.md does not link: {missing}"


# --- links -------------------------------------------------------------------------------


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_links_between_pages_resolve() -> None:
    anchors = {
        page.name: {_anchor(line) for line in read(page.name).splitlines() if line.startswith("#")}
        for page in DOCS.glob("*.md")
    }
    broken = []
    for page in sorted(anchors):
        for target, anchor in re.findall(r"\]\(([\w.-]*\.md)?(?:#([\w-]+))?\)", read(page)):
            name = target or page
            if name not in anchors or (anchor and anchor not in anchors[name]):
                broken.append(f"{page}: {target}#{anchor}")
    assert not broken, f"broken links in docs/: {broken}"
