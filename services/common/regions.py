"""The region (ISO 3166 country) of an organization tree, read from its time zone: the
calendar's occasions are per region, and the directory's holidays follow them."""

from __future__ import annotations

REGION_OF_TIMEZONE: dict[str, str] = {
    "Asia/Riyadh": "SA",
    "Asia/Bahrain": "BH",
    "Asia/Baghdad": "IQ",
    "Asia/Kuwait": "KW",
    "Asia/Qatar": "QA",
    "Asia/Dubai": "AE",
    "Asia/Muscat": "OM",
    "Asia/Amman": "JO",
    "Africa/Cairo": "EG",
}


def region_of(timezone: str | None) -> str | None:
    return REGION_OF_TIMEZONE.get(timezone or "")
