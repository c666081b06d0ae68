"""HubSpot CRM v3 objects API: batch property updates, notes with associations.

- Updates of companies, contacts and deals go in batches of up to 100 to
  ``POST /crm/v3/objects/{object}/batch/update`` (``{"inputs": [{"id", "properties"}]}``).
  HubSpot answers 200, or 207 with ``errors`` naming the failed ids in ``context.ids``.
  A batch refused as a whole (400) is re-sent record by record with
  ``PATCH /crm/v3/objects/{object}/{id}``, so one bad record cannot hold back the others.
- A handoff becomes ``POST /crm/v3/objects/notes`` with ``hs_timestamp``, ``hs_note_body``
  and associations to the company (type 190) and deal (214). A note carries a marker
  (``devfunnel ref dfk...``); a retry first searches notes for it
  (``POST /crm/v3/objects/notes/search``, ``CONTAINS_TOKEN``), so a note created by an
  attempt whose answer was lost is not created twice. (HubSpot's search index lags
  writes by seconds; the retry delays are longer than that.)
- Rate limits: 429 with ``{"errorType": "RATE_LIMIT", "policyName": ...}``. The pass stops
  for HubSpot and the remaining changes wait for ``Retry-After`` when given, else one
  second (``SECONDLY``), ten (``TEN_SECONDLY_ROLLING``) or an hour (``DAILY``).

Authentication is a private app's access token as a Bearer token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from devfunnel import outbound
from devfunnel.config.crm import HubSpotSettings
from devfunnel.crm.outbox import OutboxRow, Result
from devfunnel.outbound import Outcome

BATCH = 100
PAUSES = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0, "DAILY": 3600.0}
DEFAULT_PAUSE = 10.0
#: Error categories that sending again cannot fix.
PERMANENT = frozenset(
    {
        "OBJECT_NOT_FOUND",
        "VALIDATION_ERROR",
        "PROPERTY_DOESNT_EXIST",
        "INVALID_EMAIL",
        "OBJECT_ALREADY_EXISTS",
    }
)


class RateLimited(Exception):
    """HubSpot said stop: no more requests until ``pause`` seconds have passed."""

    def __init__(self, error: str, pause: float) -> None:
        super().__init__(error)
        self.error, self.pause = error, pause


class HubSpot:
    def __init__(self, settings: HubSpotSettings, http: httpx.Client) -> None:
        assert settings.token is not None
        self.base = settings.base_url
        self.http = http
        self.headers = {
            "Authorization": f"Bearer {settings.token.get_secret_value()}",
            "Content-Type": "application/json",
        }

    def send(self, rows: list[OutboxRow]) -> list[Result]:
        """Send the claimed rows; one result per row, in no particular order."""
        results: list[Result] = []
        pending = list(rows)
        try:
            updates = [r for r in rows if r.payload.get("op") == "update"]
            for object_ in sorted({r.object for r in updates}):
                for batch in _batches([r for r in updates if r.object == object_]):
                    results += self._batch_update(object_, batch)
                    done = {r.row.id for r in results}
                    pending = [r for r in pending if r.id not in done]
            for row in [r for r in rows if r.payload.get("op") == "note"]:
                results.append(self._note(row))
                pending = [r for r in pending if r.id != row.id]
        except RateLimited as limit:
            results += [
                Result(r, ok=False, error=limit.error, rate_limited=True, retry_after=limit.pause)
                for r in pending
            ]
        return results

    def _call(self, method: str, path: str, body: Any) -> Outcome:
        outcome = outbound.send(
            self.http, method, f"{self.base}{path}", json=body, headers=self.headers
        )
        if outcome.status == 429:
            body = outcome.body if isinstance(outcome.body, dict) else {}
            pause = outcome.retry_after
            if pause is None:
                pause = PAUSES.get(str(body.get("policyName")), DEFAULT_PAUSE)
            raise RateLimited(
                f"rate limited by HubSpot ({body.get('policyName', 'unknown')} "
                f"limit): {body.get('message', '')}".strip(),
                pause,
            )
        return outcome

    def _batch_update(self, object_: str, rows: list[OutboxRow]) -> list[Result]:
        inputs = [{"id": r.payload["crm_id"], "properties": r.payload["fields"]} for r in rows]
        outcome = self._call("POST", f"/crm/v3/objects/{object_}/batch/update", {"inputs": inputs})
        if outcome.status == 400 and len(rows) > 1:
            return [self._update_one(object_, row) for row in rows]
        if not outcome.ok:
            return [_failed(row, outcome) for row in rows]
        body = outcome.body if isinstance(outcome.body, dict) else {}
        updated = {str(r.get("id")) for r in body.get("results", [])}
        errors: dict[str, tuple[str, bool]] = {}
        for error in body.get("errors", []):
            permanent = error.get("category") in PERMANENT
            text = f"HubSpot {error.get('category', 'error')}: {error.get('message', '')}"
            for crm_id in (error.get("context") or {}).get("ids", []):
                errors[str(crm_id)] = (text, not permanent)
        results = []
        for row in rows:
            crm_id = str(row.payload["crm_id"])
            if crm_id in updated or (outcome.status == 200 and crm_id not in errors):
                results.append(Result(row, ok=True, crm_object_id=crm_id))
            elif crm_id in errors:
                text, retry = errors[crm_id]
                results.append(Result(row, ok=False, error=text, retry=retry))
            else:
                results.append(
                    Result(
                        row,
                        ok=False,
                        retry=True,
                        error="HubSpot did not report this record in the batch",
                    )
                )
        return results

    def _update_one(self, object_: str, row: OutboxRow) -> Result:
        crm_id = row.payload["crm_id"]
        outcome = self._call(
            "PATCH", f"/crm/v3/objects/{object_}/{crm_id}", {"properties": row.payload["fields"]}
        )
        if outcome.ok:
            return Result(row, ok=True, crm_object_id=str(crm_id))
        return _failed(row, outcome)

    def _note(self, row: OutboxRow) -> Result:
        marker = row.payload["marker"]
        if row.attempts > 1:
            search = {
                "filterGroups": [
                    {
                        "filters": [
                            {
                                "propertyName": "hs_note_body",
                                "operator": "CONTAINS_TOKEN",
                                "value": marker,
                            }
                        ]
                    }
                ],
                "properties": ["hs_note_body"],
                "limit": 1,
            }
            found = self._call("POST", "/crm/v3/objects/notes/search", search)
            if not found.ok:
                return _failed(row, found)
            hits = (found.body or {}).get("results", []) if isinstance(found.body, dict) else []
            if hits:
                return Result(row, ok=True, crm_object_id=str(hits[0]["id"]))
        body = {
            "properties": row.payload["properties"],
            "associations": row.payload.get("associations", []),
        }
        created = self._call("POST", "/crm/v3/objects/notes", body)
        if created.ok and isinstance(created.body, dict) and created.body.get("id"):
            return Result(row, ok=True, crm_object_id=str(created.body["id"]))
        return _failed(row, created)


def _failed(row: OutboxRow, outcome: Outcome) -> Result:
    return Result(
        row,
        ok=False,
        error=outcome.error or "HubSpot gave no answer",
        retry=outcome.retry or outcome.status is None,
        retry_after=outcome.retry_after,
    )


def _batches(rows: list[OutboxRow]) -> Iterator[list[OutboxRow]]:
    """Batches of at most 100 in which no CRM id repeats (HubSpot refuses duplicates)."""
    remaining = list(rows)
    while remaining:
        batch: list[OutboxRow] = []
        seen: set[str] = set()
        rest: list[OutboxRow] = []
        for row in remaining:
            crm_id = str(row.payload["crm_id"])
            if crm_id in seen or len(batch) >= BATCH:
                rest.append(row)
            else:
                seen.add(crm_id)
                batch.append(row)
        yield batch
        remaining = rest
