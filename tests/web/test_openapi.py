"""The OpenAPI description is complete: every operation has a summary and a description,
documents its error answers as problems, and shows an example of its request body."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devfunnel.config import Settings
from devfunnel.store import Store, migrate
from devfunnel.web.app import create_app

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from devfunnel.config import load_settings

    path = tmp_path_factory.mktemp("openapi") / "openapi.duckdb"
    settings: Settings = load_settings(None, environ={})
    with Store(f"duckdb:///{path}") as store:
        migrate.upgrade(store)
        yield create_app(settings, store, run_worker=False).openapi()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_summary_and_a_description(schema: dict[str, Any]) -> None:
    missing = [name for name, op in operations(schema)
               if not op.get("summary") or not op.get("description")]  # fmt: skip
    assert not missing, missing


def test_every_operation_documents_its_problems(schema: dict[str, Any]) -> None:
    bad = []
    for name, op in operations(schema):
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        if not errors or any("application/problem+json" not in r.get("content", {})
                             for s, r in errors.items() if s != "500"):  # fmt: skip
            bad.append(name)
    assert not bad, bad
    assert "HTTPValidationError" not in str(schema)


def _has_example(content: dict[str, Any], schema: dict[str, Any]) -> bool:
    if content.get("example") is not None or content.get("examples"):
        return True
    ref = content.get("schema", {}).get("$ref", "")
    target = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
    return bool(target.get("examples"))


def test_every_request_body_has_an_example(schema: dict[str, Any]) -> None:
    bodies = [(n, op["requestBody"]) for n, op in operations(schema) if "requestBody" in op]
    assert len(bodies) >= 12  # intake, webhooks, users, keys
    bad = [n for n, body in bodies
           if not all(_has_example(c, schema) for c in body["content"].values())]  # fmt: skip
    assert not bad, bad


def test_successful_answers_have_examples(schema: dict[str, Any]) -> None:
    bad = []
    for name, op in operations(schema):
        ok = [r for s, r in op["responses"].items() if s.startswith("2")]
        contents = [c for r in ok for c in r.get("content", {}).values()]
        if contents and not any(_has_example(c, schema) for c in contents):
            bad.append(name)
    assert not bad, bad


def test_protected_operations_name_how_to_authenticate(schema: dict[str, Any]) -> None:
    assert set(schema["components"]["securitySchemes"]) == {
        "bearerKey", "sessionCookie", "segmentWriteKey"}  # fmt: skip
    ops = dict(operations(schema))
    assert ops["GET /api/v1/users"]["security"] == [{"bearerKey": []}, {"sessionCookie": []}]
    assert ops["POST /v1/batch"]["security"] == [{"segmentWriteKey": []}]
    assert "security" not in ops["GET /api/v1/health"]


def test_the_schema_and_docs_are_served(tmp_path: Path, settings: Settings) -> None:
    from fastapi.testclient import TestClient

    with Store(f"duckdb:///{tmp_path / 'x.duckdb'}") as store:
        migrate.upgrade(store)
        client = TestClient(create_app(settings, store, run_worker=False))
        assert client.get("/openapi.json").json()["info"]["title"] == "devfunnel"
        assert "swagger-ui" in client.get("/docs").text
