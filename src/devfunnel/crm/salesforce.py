"""Salesforce REST API: record updates and handoff tasks.

- An update is ``PATCH {instance}/services/data/{version}/sobjects/{Object}/{Id}`` with the
  mapped fields; Salesforce answers 204 No Content.
- A handoff is ``POST .../sobjects/Task`` (``Subject``, ``Description``, ``WhatId`` = the
  opportunity or account, ``Status`` Completed), answered 201 with
  ``{"id", "success", "errors"}``. The subject carries the change's marker; a retry first
  asks ``GET .../query?q=SELECT Id FROM Task WHERE Subject LIKE '%<marker>%'`` so a task
  created by an attempt whose answer was lost is not created twice.
- Errors are ``[{"message", "errorCode", "fields"}]``. ``403 REQUEST_LIMIT_EXCEEDED`` is the
  org's API request limit (a rolling 24 hours): the pass stops for Salesforce and the
  remaining changes wait for ``Retry-After`` when given, else an hour; ``NOT_FOUND`` and
  ``ENTITY_IS_DELETED`` (the record is gone) and other 400s are not retried; 401
  (``INVALID_SESSION_ID``, an expired token) and 5xx are.

Authentication is an OAuth access token as a Bearer token, with the org's instance URL.
"""

from __future__ import annotations

from typing import Any

import httpx

from devfunnel import outbound
from devfunnel.config.crm import SalesforceSettings
from devfunnel.crm.outbox import OutboxRow, Result
from devfunnel.outbound import Outcome

LIMIT_PAUSE = 3600.0
GONE = frozenset({"NOT_FOUND", "ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"})


class RateLimited(Exception):
    def __init__(self, error: str, pause: float) -> None:
        super().__init__(error)
        self.error, self.pause = error, pause


def error_codes(body: Any) -> list[str]:
    if isinstance(body, list):
        return [str(e.get("errorCode")) for e in body if isinstance(e, dict)]
    return []


class Salesforce:
    def __init__(self, settings: SalesforceSettings, http: httpx.Client) -> None:
        assert settings.token is not None and settings.instance_url is not None
        self.base = f"{settings.instance_url}/services/data/{settings.api_version}"
        self.http = http
        self.headers = {
            "Authorization": f"Bearer {settings.token.get_secret_value()}",
            "Content-Type": "application/json",
        }

    def send(self, rows: list[OutboxRow]) -> list[Result]:
        results: list[Result] = []
        try:
            for row in rows:
                op = row.payload.get("op")
                results.append(self._update(row) if op == "update" else self._task(row))
        except RateLimited as limit:
            done = {r.row.id for r in results}
            results += [
                Result(r, ok=False, error=limit.error, rate_limited=True, retry_after=limit.pause)
                for r in rows
                if r.id not in done
            ]
        return results

    def _call(self, method: str, path: str, **kwargs: Any) -> Outcome:
        outcome = outbound.send(
            self.http, method, f"{self.base}{path}", headers=self.headers, **kwargs
        )
        codes = error_codes(outcome.body)
        if outcome.status == 429 or (outcome.status == 403 and "REQUEST_LIMIT_EXCEEDED" in codes):
            pause = outcome.retry_after if outcome.retry_after is not None else LIMIT_PAUSE
            raise RateLimited(f"Salesforce API request limit reached: {outcome.error}", pause)
        return outcome

    def _update(self, row: OutboxRow) -> Result:
        crm_id = row.payload["crm_id"]
        outcome = self._call(
            "PATCH", f"/sobjects/{row.object}/{crm_id}", json=row.payload["fields"]
        )
        if outcome.ok:
            return Result(row, ok=True, crm_object_id=str(crm_id))
        return _failed(row, outcome)

    def _task(self, row: OutboxRow) -> Result:
        marker = row.payload["marker"]
        if row.attempts > 1:
            soql = f"SELECT Id FROM Task WHERE Subject LIKE '%{marker}%' LIMIT 1"
            found = self._call("GET", "/query", params={"q": soql})
            if not found.ok:
                return _failed(row, found)
            records = found.body.get("records", []) if isinstance(found.body, dict) else []
            if records:
                return Result(row, ok=True, crm_object_id=str(records[0]["Id"]))
        created = self._call("POST", f"/sobjects/{row.object}", json=row.payload["fields"])
        body = created.body if isinstance(created.body, dict) else {}
        if created.ok and body.get("success", True) and body.get("id"):
            return Result(row, ok=True, crm_object_id=str(body["id"]))
        return _failed(row, created)


def _failed(row: OutboxRow, outcome: Outcome) -> Result:
    codes = error_codes(outcome.body)
    retry = outcome.retry or outcome.status == 401
    if GONE.intersection(codes):
        retry = False
    return Result(
        row,
        ok=False,
        error=outcome.error or "Salesforce gave no answer",
        retry=retry,
        retry_after=outcome.retry_after,
    )
