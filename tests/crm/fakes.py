"""HubSpot and Salesforce as local HTTP servers answering with the request and response
shapes of their public API references (HubSpot CRM v3 objects, batch and search; the
Salesforce REST API sObject rows, create and query resources, and their error bodies).

Each keeps the CRM's state (records and their fields, notes, tasks) and a log of every
write it applied, so tests can check final state and count how often each change
landed. Switches simulate trouble: ``down`` (503), ``rate_limited`` (the CRM's documented
limit response), and ``lose_answers`` (the write is applied but the answer is a 503, as
when a response is lost on the way back).
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.helpers.local_http import Received, Reply

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
STAMP = "2026-03-02T12:00:00.000Z"


@dataclass
class FakeCrm:
    #: Answer 503 to everything.
    down: bool = False
    #: Answer the next N requests with the documented rate-limit response.
    rate_limited: int = 0
    retry_after: str | None = "2"
    #: Apply the next N writes but answer 503.
    lose_answers: int = 0
    #: Every write applied: (object, id, fields).
    applied: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5001))

    def _trouble(self) -> Reply | None:
        self.requests += 1
        if self.down:
            return Reply(503, "<html>Service Unavailable</html>", {"Content-Type": "text/html"})
        if self.rate_limited:
            self.rate_limited -= 1
            return self.limit_reply()
        return None

    def limit_reply(self) -> Reply:
        raise NotImplementedError

    def _answer(self, reply: Reply, wrote: bool) -> Reply:
        if wrote and self.lose_answers:
            self.lose_answers -= 1
            return Reply(503, "upstream connect error", {"Content-Type": "text/plain"})
        return reply


@dataclass
class FakeHubSpot(FakeCrm):
    #: object -> id -> properties
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"companies": {}, "contacts": {}, "deals": {}, "notes": {}}
    )
    associations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    policy: str = "TEN_SECONDLY_ROLLING"

    def limit_reply(self) -> Reply:
        headers = {"Retry-After": self.retry_after} if self.retry_after else {}
        return Reply(
            429,
            {
                "status": "error",
                "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
                "policyName": self.policy,
            },
            headers,
        )

    def __call__(self, request: Received) -> Reply:
        with self.lock:
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                return Reply(
                    401,
                    {
                        "status": "error",
                        "message": "Authentication credentials not found.",
                        "category": "INVALID_AUTHENTICATION",
                    },
                )
            trouble = self._trouble()
            if trouble is not None:
                return trouble
            path = request.path
            if m := re.fullmatch(r"/crm/v3/objects/(\w+)/batch/update", path):
                return self._batch_update(m.group(1), request.json()["inputs"])
            if path == "/crm/v3/objects/notes/search":
                return self._search(request.json())
            if path == "/crm/v3/objects/notes" and request.method == "POST":
                return self._create_note(request.json())
            if (
                m := re.fullmatch(r"/crm/v3/objects/(\w+)/(\w+)", path)
            ) and request.method == "PATCH":
                return self._patch(m.group(1), m.group(2), request.json()["properties"])
            return Reply(404, {"status": "error", "message": f"no route {path}"})

    def _object(self, object_: str, crm_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": crm_id,
            "properties": {**properties, "hs_object_id": crm_id},
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
        }

    def _batch_update(self, object_: str, inputs: list[dict[str, Any]]) -> Reply:
        results, missing = [], []
        for item in inputs:
            crm_id = str(item["id"])
            if crm_id not in self.records[object_]:
                missing.append(crm_id)
                continue
            self.records[object_][crm_id].update(item["properties"])
            self.applied.append((object_, crm_id, dict(item["properties"])))
            results.append(self._object(object_, crm_id, self.records[object_][crm_id]))
        body: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": STAMP,
            "completedAt": STAMP,
        }
        if missing:
            body["numErrors"] = len(missing)
            body["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": f"Could not get some {object_.upper()} objects, they "
                    "may be deleted or not exist.",
                    "context": {"ids": missing},
                }
            ]
        return self._answer(Reply(207 if missing else 200, body), bool(results))

    def _patch(self, object_: str, crm_id: str, properties: dict[str, Any]) -> Reply:
        if crm_id not in self.records.get(object_, {}):
            return Reply(
                404,
                {
                    "status": "error",
                    "message": "resource not found",
                    "category": "OBJECT_NOT_FOUND",
                },
            )
        self.records[object_][crm_id].update(properties)
        self.applied.append((object_, crm_id, dict(properties)))
        return self._answer(Reply(200, self._object(object_, crm_id, properties)), True)

    def _create_note(self, body: dict[str, Any]) -> Reply:
        properties = body["properties"]
        if "hs_timestamp" not in properties:
            return Reply(
                400,
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": "hs_timestamp is required",
                },
            )
        crm_id = str(next(self.ids))
        self.records["notes"][crm_id] = dict(properties)
        self.associations[crm_id] = body.get("associations", [])
        self.applied.append(("notes", crm_id, dict(properties)))
        return self._answer(Reply(201, self._object("notes", crm_id, properties)), True)

    def _search(self, body: dict[str, Any]) -> Reply:
        (group,) = body["filterGroups"]
        (condition,) = group["filters"]
        assert condition["operator"] == "CONTAINS_TOKEN"
        token = condition["value"]
        hits = [
            self._object("notes", i, p)
            for i, p in self.records["notes"].items()
            if token in re.findall(r"\w+", p.get(condition["propertyName"], ""))
        ]
        return Reply(200, {"total": len(hits), "results": hits[: body.get("limit", 10)]})


@dataclass
class FakeSalesforce(FakeCrm):
    version: str = "v62.0"
    #: sObject -> Id -> fields
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {"Account": {}, "Contact": {}, "Opportunity": {}, "Task": {}}
    )
    expired: bool = False

    def limit_reply(self) -> Reply:
        headers = {"Retry-After": self.retry_after} if self.retry_after else {}
        return Reply(
            403,
            [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
            headers,
        )

    def __call__(self, request: Received) -> Reply:
        with self.lock:
            if self.expired or request.headers.get("authorization") != f"Bearer {TOKEN}":
                return Reply(
                    401,
                    [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                )
            trouble = self._trouble()
            if trouble is not None:
                return trouble
            base = f"/services/data/{self.version}"
            path = request.path
            if (
                m := re.fullmatch(rf"{base}/sobjects/(\w+)/(\w+)", path)
            ) and request.method == "PATCH":
                return self._patch(m.group(1), m.group(2), request.json())
            if (m := re.fullmatch(rf"{base}/sobjects/(\w+)/?", path)) and request.method == "POST":
                return self._create(m.group(1), request.json())
            if path == f"{base}/query" and request.method == "GET":
                return self._query(parse_qs(request.query)["q"][0])
            return Reply(
                404,
                [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
            )

    def _patch(self, sobject: str, record_id: str, fields: dict[str, Any]) -> Reply:
        if record_id not in self.records.get(sobject, {}):
            return Reply(
                404,
                [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}],
            )
        self.records[sobject][record_id].update(fields)
        self.applied.append((sobject, record_id, dict(fields)))
        return self._answer(Reply(204), True)

    def _create(self, sobject: str, fields: dict[str, Any]) -> Reply:
        if "Id" in fields:
            return Reply(
                400,
                [
                    {
                        "message": "The Id field should not be specified in the sobject data.",
                        "errorCode": "INVALID_FIELD",
                    }
                ],
            )
        record_id = f"00T5g00000{next(self.ids):08d}"
        self.records[sobject][record_id] = dict(fields)
        self.applied.append((sobject, record_id, dict(fields)))
        return self._answer(Reply(201, {"id": record_id, "errors": [], "success": True}), True)

    def _query(self, soql: str) -> Reply:
        m = re.fullmatch(r"SELECT Id FROM Task WHERE Subject LIKE '%(\w+)%' LIMIT 1", soql)
        assert m, soql
        hits = [
            {
                "attributes": {
                    "type": "Task",
                    "url": f"/services/data/{self.version}/sobjects/Task/{i}",
                },
                "Id": i,
            }
            for i, f in self.records["Task"].items()
            if m.group(1) in f.get("Subject", "")
        ]
        return Reply(200, {"totalSize": len(hits[:1]), "done": True, "records": hits[:1]})
