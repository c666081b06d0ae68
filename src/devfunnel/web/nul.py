"""Refuse the NUL character (``\\u0000``) wherever a request carries text, for every route.

PostgreSQL cannot store NUL in text, so a value holding one fails there with a store
error (503) after the request has passed every check, while DuckDB stores it: the same
request would mean two things. Segment intake refuses it per message
(``ingest/segment.py``); everything else is refused here, once, before any route runs:

- :func:`refuse_nul` is an application dependency (``web/app.py``), so it runs for every
  route before the route's own dependencies and body. It looks at the path parameters,
  the query string, and the body FastAPI has already read for the route (JSON, or a
  form), so nothing is read twice and nothing unread is buffered.
- Routes that read their body themselves (intake and webhooks, which must limit its size
  and check a signature before parsing it) call :func:`refuse_in` on what they parsed.

A refusal is a 422 problem like any invalid input, whose ``errors`` name each place:
``path.<name>``, ``query.<name>``, or ``body.<field>.<index>...`` (a key holding NUL is
shown with it escaped). A raw NUL byte in a JSON body is not JSON at all and is refused
as malformed JSON before this runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import Request
from fastapi.params import Form
from fastapi.routing import APIRoute

from devfunnel.errors import ValidationError

NUL = "\x00"
MESSAGE = "must not contain the NUL character (\\u0000)"
#: Places listed in one answer; a body full of NULs needs no longer one.
MOST_PLACES = 20


async def refuse_nul(request: Request) -> None:
    """Raise a 422 ``ValidationError`` naming where the request carries a NUL."""
    places = [
        f"path.{name}"
        for name, value in request.path_params.items()
        if isinstance(value, str) and NUL in value
    ]
    places += [
        f"query.{_shown(name)}"
        for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]
    if not places and NUL in request.scope.get("path", ""):
        places.append("path")
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route.body_field is not None:
        places += await _body_places(request, isinstance(route.body_field.field_info, Form))
    _refuse(places)


def refuse_in(value: Any, where: str = "body") -> None:
    """Refuse a decoded JSON value (or form) holding NUL in any key or text, by path."""
    _refuse(list(_places(value, where)))


def _refuse(places: list[str]) -> None:
    if not places:
        return
    listed = places[:MOST_PLACES]
    raise ValidationError(
        f"{', '.join(listed[:5])}: {MESSAGE}",
        field=listed[0],
        errors=[{"field": p, "message": MESSAGE, "type": "nul_character"} for p in listed],
    )


async def _body_places(request: Request, is_form: bool) -> list[str]:
    if is_form:
        form = await request.form()  # already read and parsed for the route: cached
        return list(_places(_form_values(form.multi_items()), "body"))
    body = await request.body()  # already read for the route: cached
    # JSON carries NUL only as this escape (a raw one is malformed JSON); most bodies
    # are passed over without decoding them again.
    if b"\\u0000" not in body:
        return []
    try:
        decoded = await request.json()
    except ValueError:  # not JSON: the route takes it as bytes
        return []
    return list(_places(decoded, "body"))


def _form_values(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in items:
        if isinstance(value, str):
            values.setdefault(name, []).append(value)
    return {name: found[0] if len(found) == 1 else found for name, found in values.items()}


def _places(value: Any, where: str) -> Iterator[str]:
    """Each path holding NUL, in document order; iterative, as a body may nest deeply."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, here = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                yield here
        elif isinstance(item, dict):
            children = []
            for key, child in item.items():
                named = f"{here}.{_shown(str(key))}"
                if NUL in str(key):
                    yield named
                children.append((child, named))
            stack.extend(reversed(children))
        elif isinstance(item, list | tuple):
            stack.extend(reversed([(c, f"{here}.{i}") for i, c in enumerate(item)]))


def _shown(name: str) -> str:
    return name.replace(NUL, "\\u0000")
