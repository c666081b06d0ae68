"""A handoff packet as a CRM note (HubSpot, HTML) or task description (Salesforce, text).

Packets are documents assembled by the handoff service, one section per configured packet
field (``developers``, ``momentum``, ``meddpicc``, ...). They are rendered generically:
each section becomes a heading and its content a few lines, cut to what a CRM accepts
(HubSpot notes: 65,536 characters; Salesforce task descriptions: 32,000).
"""

from __future__ import annotations

import html
from typing import Any

from devfunnel.alerts.context import load_json

HUBSPOT_LIMIT = 60_000
SALESFORCE_LIMIT = 30_000
#: Items of a list section shown before "and N more".
ITEMS = 10


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    return "" if value is None else str(value)


def section_lines(value: Any) -> list[str]:
    """A packet section as lines of text."""
    value = load_json(value)
    if isinstance(value, dict):
        return [
            f"{k.replace('_', ' ')}: {_scalar(v)}"
            for k, v in value.items()
            if v not in (None, "", [], {})
        ]
    if isinstance(value, list):
        lines = [_scalar(v) for v in value[:ITEMS]]
        if len(value) > ITEMS:
            lines.append(f"and {len(value) - ITEMS} more")
        return lines
    text = _scalar(value)
    return [text] if text else []


def packet_sections(packet: Any) -> list[tuple[str, list[str]]]:
    packet = load_json(packet)
    if not isinstance(packet, dict):
        return [("Packet", section_lines(packet))]
    return [
        (name.replace("_", " ").capitalize(), section_lines(value))
        for name, value in packet.items()
    ]


def as_html(header: list[str], packet: Any, footer: str) -> str:
    parts = [f"<p><strong>{html.escape(header[0])}</strong></p>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in header[1:]]
    for title, lines in packet_sections(packet):
        parts.append(f"<p><strong>{html.escape(title)}</strong></p>")
        if lines:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
    body = "".join(parts)
    if len(body) > HUBSPOT_LIMIT:
        body = body[:HUBSPOT_LIMIT] + "<p>…</p>"
    return body + f"<p>{html.escape(footer)}</p>"


def as_text(header: list[str], packet: Any, footer: str) -> str:
    parts = [*header, ""]
    for title, lines in packet_sections(packet):
        parts.append(title)
        parts += [f"- {line}" for line in lines]
        parts.append("")
    body = "\n".join(parts)
    if len(body) > SALESFORCE_LIMIT:
        body = body[:SALESFORCE_LIMIT] + "\n…"
    return body + "\n" + footer
