"""Cell values as CRM exports write them, turned into what the importers validate.

Each function recognises the usual export spellings (US dates, "$1,200.00", "75%",
"United States", "Closed Won") and otherwise returns the value unchanged, so that the
importer's validation reports the original value in its error rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from devfunnel.ingest.files.columns import norm

_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y", "%m/%d/%Y %H:%M",
                     "%m/%d/%Y %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%Y %H:%M:%S",
                     "%d.%m.%Y")  # fmt: skip
_MONEY = re.compile(r"^\s*([A-Za-z]{3})?\s*[$€£¥]?\s*(-?[\d,]*\.?\d+)\s*([A-Za-z]{3})?\s*$")


def date_or_time(value: Any, *, date_only: bool) -> Any:
    """ISO text for a date or time in a format CRM exports use; else ``value``."""
    if not isinstance(value, str) or not value.strip():
        return value
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _DATETIME_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return value
    return parsed.date().isoformat() if date_only else parsed.isoformat()


def money(value: Any) -> tuple[Any, str | None]:
    """(amount text, currency code or ``None``) for "$1,200.50" or "USD 1,200.50"."""
    if not isinstance(value, str):
        return value, None
    found = _MONEY.match(value)
    if not found:
        return value, None
    code = found.group(1) or found.group(3)
    return found.group(2).replace(",", ""), code.upper() if code else None


def whole_number(value: Any) -> Any:
    """``1200`` for "1,200" or "1200.0" (employee counts); else ``value``."""
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if re.fullmatch(r"\d+(\.0+)?", text):
            return text.split(".")[0]
    return value


def fraction(value: Any, *, percent: bool) -> Any:
    """A 0-1 probability from "75%", or from 75 when the column holds percentages."""
    if isinstance(value, str) and value.strip().endswith("%"):
        percent, value = True, value.strip()[:-1]
    if not percent:
        return value
    try:
        return str(float(str(value).strip()) / 100)
    except ValueError:
        return value


def choose(value: Any, options: Iterable[tuple[str, str]]) -> Any:
    """The id of the option whose id or label ``value`` names, ignoring case, spaces and
    punctuation ("Closed Won", "closedwon" and "closed_won" all name ``closed_won``)."""
    if not isinstance(value, str):
        return value
    key = _squash(value)
    for option_id, label in options:
        if key in (_squash(option_id), _squash(label)):
            return option_id
    return value


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


#: HubSpot and Salesforce deal types, to devfunnel's opportunity types.
_TYPES = {
    "newbusiness": "new", "newcustomer": "new", "new": "new",
    "existingbusiness": "expansion", "existingcustomerupgrade": "expansion",
    "upsell": "expansion", "upgrade": "expansion", "expansion": "expansion",
    "crosssell": "expansion", "renewal": "renewal", "existingcustomerreplacement": "renewal",
}  # fmt: skip


def opportunity_type(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return _TYPES.get(_squash(value), value)


#: Country names and common aliases in CRM exports, to ISO 3166-1 alpha-2 codes.
_COUNTRIES = {
    "united states": "US", "united states of america": "US", "usa": "US", "us": "US",
    "canada": "CA", "mexico": "MX", "brazil": "BR", "argentina": "AR", "chile": "CL",
    "colombia": "CO", "peru": "PE", "uruguay": "UY", "costa rica": "CR",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB",
    "ireland": "IE", "germany": "DE", "deutschland": "DE", "france": "FR",
    "netherlands": "NL", "the netherlands": "NL", "belgium": "BE", "luxembourg": "LU",
    "spain": "ES", "portugal": "PT", "italy": "IT", "switzerland": "CH", "austria": "AT",
    "sweden": "SE", "norway": "NO", "denmark": "DK", "finland": "FI", "iceland": "IS",
    "poland": "PL", "czech republic": "CZ", "czechia": "CZ", "slovakia": "SK",
    "hungary": "HU", "romania": "RO", "bulgaria": "BG", "greece": "GR", "croatia": "HR",
    "slovenia": "SI", "estonia": "EE", "latvia": "LV", "lithuania": "LT", "ukraine": "UA",
    "turkey": "TR", "türkiye": "TR", "israel": "IL", "united arab emirates": "AE",
    "uae": "AE", "saudi arabia": "SA", "qatar": "QA", "egypt": "EG", "morocco": "MA",
    "nigeria": "NG", "kenya": "KE", "south africa": "ZA", "ghana": "GH", "serbia": "RS",
    "cyprus": "CY", "malta": "MT", "japan": "JP", "south korea": "KR",
    "korea, republic of": "KR", "china": "CN", "taiwan": "TW", "hong kong": "HK",
    "singapore": "SG", "malaysia": "MY", "thailand": "TH", "vietnam": "VN", "viet nam": "VN",
    "indonesia": "ID", "philippines": "PH", "india": "IN", "pakistan": "PK",
    "bangladesh": "BD", "sri lanka": "LK", "australia": "AU", "new zealand": "NZ",
    "russia": "RU", "russian federation": "RU",
}  # fmt: skip


def country(value: Any) -> tuple[Any, bool]:
    """(ISO code, recognised?) for a code or a country name; empty cells count as known."""
    if not isinstance(value, str) or not value.strip():
        return value, True
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper(), True
    code = _COUNTRIES.get(norm(text))
    return (code, True) if code else (None, False)
