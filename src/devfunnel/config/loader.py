"""Read the effective configuration: built-in defaults, the file, environment, flags.

Layers, later winning: the commented ``default.toml`` shipped in the package, the user's
``devfunnel.toml`` (tables merge key by key, arrays replace whole), ``DEVFUNNEL_*``
environment variables, then command-line flags such as ``--db``.

pydantic validates the merged document, but on its own it cannot say *where* a bad value
came from; this loader records the source of every key so that an error reads
``/etc/devfunnel.toml: pipeline.stages[2] (proposal).probability = 1.5: must be <= 1``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, SecretStr

from devfunnel.config.settings import Problem, Settings, cross_reference_problems
from devfunnel.errors import ConfigError

ENV_PREFIX = "DEVFUNNEL_"
#: Variables that are not settings themselves.
RESERVED_ENV = {"DEVFUNNEL_CONFIG", "DEVFUNNEL_HOME"}
#: Short, documented names for settings people set from the environment most.
ENV_ALIASES: dict[str, tuple[str, ...]] = {
    "DEVFUNNEL_GITHUB_WEBHOOK_SECRET": ("webhooks", "github_secret"),
    "DEVFUNNEL_STRIPE_WEBHOOK_SECRET": ("webhooks", "stripe_secret"),
    "DEVFUNNEL_SECRET_KEY": ("server", "secret_key"),
}
BUILTIN = "built-in defaults"
Key = tuple[str | int, ...]


def default_config_text() -> str:
    """The commented default configuration shipped with the package."""
    return resources.files("devfunnel.config").joinpath("default.toml").read_text("utf-8")


def find_config_file(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The file to read: ``--config``, else ``$DEVFUNNEL_CONFIG``, else ``./devfunnel.toml``."""
    if explicit is not None:
        return _existing(explicit, "--config")
    if environ.get("DEVFUNNEL_CONFIG"):
        return _existing(Path(environ["DEVFUNNEL_CONFIG"]), "DEVFUNNEL_CONFIG")
    local = Path("devfunnel.toml")
    return local if local.is_file() else None


def _existing(path: Path, given_by: str) -> Path:
    if path.is_dir():
        raise ConfigError(f"configuration file {path} is a folder, not a file (from {given_by})")
    if not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist (from {given_by})")
    return path


def load_settings(
    config_path: Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the effective settings or raise ``ConfigError`` listing every problem.

    ``overrides`` maps dotted keys to values from command-line flags, e.g.
    ``{"database.url": "duckdb:///x.duckdb"}``.
    """
    environ = os.environ if environ is None else environ
    document = _parse_toml(default_config_text(), BUILTIN)
    origin: dict[Key, str] = {}
    _note_origin(document, (), BUILTIN, origin)

    path = find_config_file(config_path, environ)
    if path is not None:
        try:
            # utf-8-sig: Windows editors start UTF-8 files with a byte-order mark, which
            # TOML does not allow (it was "Invalid statement (at line 1, column 1)").
            text = path.read_text("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from None
        user = _parse_toml(text, str(path))
        _merge(document, user, (), str(path), origin)

    for name, value in sorted(environ.items()):
        if name.startswith(ENV_PREFIX) and name not in RESERVED_ENV:
            key = _env_key(name)
            _set(document, key, _env_value(key, value), f"environment variable {name}", origin)

    for dotted, value in (overrides or {}).items():
        key = tuple(dotted.split("."))
        flag = "--" + {"database.url": "db"}.get(dotted, dotted.replace(".", "-"))
        _set(document, key, value, f"{flag} option", origin)

    try:
        settings = Settings.model_validate(document)
    except pydantic.ValidationError as exc:
        problems = [_from_pydantic(err, document) for err in exc.errors()]
        raise _config_error(problems, document, origin) from None
    cross = cross_reference_problems(settings)
    if cross:
        raise _config_error(cross, document, origin)
    return settings


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}") from None


def _note_origin(node: Any, key: Key, source: str, origin: dict[Key, str]) -> None:
    origin[key] = source
    if isinstance(node, dict):
        for name, child in node.items():
            _note_origin(child, (*key, name), source, origin)


def _merge(
    base: dict[str, Any], top: dict[str, Any], key: Key, source: str, origin: dict[Key, str]
) -> None:
    for name, value in top.items():
        here = (*key, name)
        if isinstance(value, dict) and isinstance(base.get(name), dict):
            origin[here] = source
            _merge(base[name], value, here, source, origin)
        else:
            for stale in [k for k in origin if k[: len(here)] == here]:
                del origin[stale]
            base[name] = value
            _note_origin(value, here, source, origin)


def _set(
    document: dict[str, Any], key: Key, value: Any, source: str, origin: dict[Key, str]
) -> None:
    node = document
    for part in key[:-1]:
        child = node.setdefault(str(part), {})
        if not isinstance(child, dict):
            raise ConfigError(
                f"{source}: {_dotted(key)} cannot be set because {part!r} is not a table"
            )
        node = child
    node[str(key[-1])] = value
    origin[key] = source


def _leaf_fields(model: type[BaseModel], prefix: Key = ()) -> dict[Key, Any]:
    """Every setting reachable through nested sections (not inside lists), with its type."""
    found: dict[Key, Any] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.update(_leaf_fields(annotation, (*prefix, name)))
        else:
            found[(*prefix, name)] = annotation
    return found


_LEAVES = _leaf_fields(Settings)
_ENV_NAMES = {ENV_PREFIX + "_".join(str(p) for p in key).upper(): key for key in _LEAVES}


def _env_key(name: str) -> Key:
    if name in ENV_ALIASES:
        return ENV_ALIASES[name]
    flat = name.replace("__", "_")
    if flat in _ENV_NAMES:
        return _ENV_NAMES[flat]
    close = difflib.get_close_matches(flat, [*_ENV_NAMES, *ENV_ALIASES], n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ConfigError(f"environment variable {name} is not a devfunnel setting{hint}")


def _env_value(key: Key, raw: str) -> Any:
    """Environment values are text; read them as TOML values unless the setting is text."""
    if _is_text(_LEAVES.get(key)):
        return raw
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _is_text(annotation: Any) -> bool:
    if annotation in (str, SecretStr):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return any(_is_text(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return False


def _from_pydantic(err: Mapping[str, Any], document: dict[str, Any]) -> Problem:
    key: Key = tuple(err["loc"])
    # pydantic appends the validator or union branch name to loc for some errors
    while key and not _exists(document, key) and err["type"] != "missing":
        if err["type"] == "extra_forbidden":
            break
        key = key[:-1]
    reason = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        reason = "unknown key" + _suggest(key)
    elif err["type"] == "missing":
        reason = "required key is missing"
    value = err.get("input") if err["type"] != "missing" else None
    return Problem(key, value, reason)


def _exists(document: Any, key: Key) -> bool:
    node = document
    for part in key:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    return True


def _suggest(key: Key) -> str:
    """Suggest the known key closest to a misspelt one."""
    model: Any = Settings
    for part in key[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return ""
        model = _model_of(field.annotation)
        if model is None:
            return ""
    known = list(model.model_fields)
    close = difflib.get_close_matches(str(key[-1]), known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(known)}"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _dotted(key: Key, document: Any = None) -> str:
    out = ""
    node = document
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and "id" in node:
                    out += f" ({node['id']})"
            else:
                node = None
        else:
            out += ("." if out else "") + part
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _origin_of(key: Key, origin: Mapping[Key, str]) -> str:
    """Where a key's value came from; for a section, every source that set part of it,
    the ones the user controls first."""
    own = BUILTIN
    for end in range(len(key), -1, -1):
        if key[:end] in origin:
            own = origin[key[:end]]
            break
    below = {src for k, src in origin.items() if len(k) > len(key) and k[: len(key)] == key}
    sources = sorted({own} | below, key=lambda src: (src == BUILTIN, src))
    return ", ".join(sources)


def _config_error(
    problems: list[Problem], document: dict[str, Any], origin: Mapping[Key, str]
) -> ConfigError:
    lines = []
    sources = []
    for problem in problems:
        source = _origin_of(problem.key, origin)
        sources.append(source)
        shown = "" if problem.value is None else f" = {_show(problem.key, problem.value)}"
        lines.append(f"{source}: {_dotted(problem.key, document)}{shown}: {problem.reason}")
    files = sorted(set(sources))
    return ConfigError(
        f"invalid configuration ({'; '.join(files)})",
        problems=lines,
        keys=[_dotted(p.key) for p in problems],
    )


_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]+(@)")


def _secret_key(part: object) -> bool:
    return any(word in str(part) for word in ("secret", "token"))


def _masked(value: Any) -> Any:
    """A section's value with the secrets inside it hidden."""
    if isinstance(value, dict):
        return {k: "***" if _secret_key(k) else _masked(v) for k, v in value.items()}
    return value


def _show(key: Key, value: Any) -> str:
    """The offending value for a message, never revealing a secret or a password."""
    if any(_secret_key(part) for part in key):
        return "'***'"
    text = _URL_PASSWORD.sub(r"\1***\2", repr(_masked(value)))
    return text if len(text) <= 80 else text[:77] + "..."
