"""What a destination receives: a Slack message or a generic JSON document.

Slack incoming webhooks take ``{"text": ..., "blocks": [...]}``: ``text`` is the
notification and fallback, ``blocks`` the Block Kit layout (a header of at most 150
characters, sections of at most 3,000, at most 50 blocks). Text is escaped the way Slack
asks (``&``, ``<``, ``>``), so an account named ``<!channel>`` pings nobody. The delivery id
travels in a context line, since Slack itself does not deduplicate.

Generic webhooks get ``{"id": <delivery id>, "type": "alert" | "digest", ...}`` with the
whole alert document, signed (:mod:`devfunnel.alerts.signing`).
"""

from __future__ import annotations

from typing import Any

from devfunnel.alerts.kinds import DIGEST, LABELS

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
#: Lines a digest lists before saying how many more there are.
DIGEST_LINES = 40


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def webhook_body(delivery_id: str, alert: dict[str, Any]) -> dict[str, Any]:
    """The JSON document a generic webhook receives for one alert or one digest."""
    if alert["kind"] == DIGEST:
        return {
            "id": delivery_id,
            "type": "digest",
            "created_at": alert["created_at"],
            "digest": {"id": alert["id"], **alert["payload"]},
        }
    return {
        "id": delivery_id,
        "type": "alert",
        "created_at": alert["created_at"],
        "alert": {"id": alert["id"], **alert["payload"]},
    }


def slack_body(delivery_id: str, alert: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message for one alert or one digest."""
    if alert["kind"] == DIGEST:
        return _slack_digest(delivery_id, alert)
    payload = alert["payload"]
    title = str(payload.get("title") or LABELS.get(alert["kind"], alert["kind"]))
    lines = [escape(str(payload.get("summary", "")))]
    account = payload.get("account")
    if account:
        name = escape(account["name"])
        domain = f" ({escape(account['domain'])})" if account.get("domain") else ""
        lines.insert(0, f"*<{escape(payload['link'])}|{name}>*{domain}")
    fields = []
    owner = payload.get("owner")
    if owner:
        fields.append(
            {"type": "mrkdwn", "text": f"*Owner*\n{escape(owner.get('name') or owner['email'])}"}
        )
    fields.append({"type": "mrkdwn", "text": f"*Alert*\n{escape(payload.get('label', ''))}"})
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, HEADER_LIMIT)}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _cut("\n".join(lines), SECTION_LIMIT)},
            "fields": fields,
        },
    ]
    why = [f"• {escape(line)}" for line in payload.get("why", [])]
    if why:
        text = _cut("*Why*\n" + "\n".join(why), SECTION_LIMIT)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.append(_context(alert["kind"], delivery_id, payload.get("link")))
    return {"text": _cut(title, SECTION_LIMIT), "blocks": blocks}


def _slack_digest(delivery_id: str, alert: dict[str, Any]) -> dict[str, Any]:
    digest = alert["payload"]
    items: list[dict[str, Any]] = digest["alerts"]
    title = f"devfunnel digest: {len(items)} alert{'s' if len(items) != 1 else ''}"
    counts: dict[str, int] = {}
    for item in items:
        counts[item["kind"]] = counts.get(item["kind"], 0) + 1
    summary = ", ".join(f"{LABELS.get(k, k)}: {n}" for k, n in counts.items())
    lines = [
        f"• <{escape(item['link'])}|{escape(item['title'])}>"
        if item.get("link")
        else f"• {escape(item['title'])}"
        for item in items[:DIGEST_LINES]
    ]
    if len(items) > DIGEST_LINES:
        lines.append(f"… and {len(items) - DIGEST_LINES} more")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, HEADER_LIMIT)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(summary) or "No alerts."}},
    ]
    chunk: list[str] = []
    for line in lines:  # sections of at most 3,000 characters each
        if chunk and len("\n".join([*chunk, line])) > SECTION_LIMIT:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
            chunk = []
        chunk.append(_cut(line, SECTION_LIMIT))
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
    blocks.append(_context(DIGEST, delivery_id, None))
    return {"text": f"{title} ({summary})", "blocks": blocks}


def _context(kind: str, delivery_id: str, url: str | None) -> dict[str, Any]:
    text = f"devfunnel {kind} · delivery {delivery_id}"
    if url:
        text += f" · <{escape(url)}|open in devfunnel>"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
