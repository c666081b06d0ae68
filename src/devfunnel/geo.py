"""Countries to sales regions, for firmographics that arrive with a country only."""

from __future__ import annotations

_REGIONS: dict[str, tuple[str, ...]] = {
    "NA": ("US", "CA"),
    "LATAM": ("MX", "BR", "AR", "CL", "CO", "PE", "UY", "CR", "EC", "VE", "GT", "DO", "PA"),
    "EMEA": ("GB", "IE", "DE", "FR", "NL", "BE", "LU", "ES", "PT", "IT", "CH", "AT", "SE",
             "NO", "DK", "FI", "IS", "PL", "CZ", "SK", "HU", "RO", "BG", "GR", "HR", "SI",
             "EE", "LV", "LT", "UA", "TR", "IL", "AE", "SA", "QA", "EG", "MA", "NG", "KE",
             "ZA", "GH", "TN", "RS", "CY", "MT"),
    "APAC": ("JP", "KR", "CN", "TW", "HK", "SG", "MY", "TH", "VN", "ID", "PH", "IN", "PK",
             "BD", "LK", "AU", "NZ"),
}  # fmt: skip

REGION_OF: dict[str, str] = {c: region for region, cs in _REGIONS.items() for c in cs}
COUNTRIES_BY_REGION: dict[str, tuple[str, ...]] = _REGIONS


def region_of(country: str | None) -> str | None:
    return REGION_OF.get(country.upper()) if country else None


#: The segments :func:`segment_of` assigns; an account from a CRM may carry another.
SEGMENTS = ("smb", "mid_market", "enterprise")


def segment_of(employees: int | None) -> str | None:
    """SMB below 200 employees, mid-market below 2,000, enterprise from there."""
    if employees is None:
        return None
    if employees < 200:
        return "smb"
    return "mid_market" if employees < 2000 else "enterprise"
