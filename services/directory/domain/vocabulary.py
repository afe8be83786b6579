"""The directory's fixed vocabularies, kept in one place: organization kinds and the tree
rules between them, weekday names and channel kinds (roles and scopes are the kernel's,
services.common.permissions)."""

from __future__ import annotations

from typing import Literal, get_args

OrganizationKind = Literal["ministry", "region", "municipality", "governorate", "unit"]
ORGANIZATION_KINDS: tuple[OrganizationKind, ...] = (
    "ministry",
    "region",
    "municipality",
    "governorate",
    "unit",
)

# kind → the kinds its parent may have (None: it may be a root). Kept deliberately small:
# a ministry is a root; a region (amanah) sits under a ministry; a governorate is a root
# (Bahrain's Capital Governorate) or sits under a ministry or a region; a municipality sits
# under a ministry, a region or a governorate; a communication unit sits under anything,
# including another unit — and a unit has no children but units.
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    "ministry": frozenset({None}),
    "region": frozenset({"ministry"}),
    "governorate": frozenset({None, "ministry", "region"}),
    "municipality": frozenset({"ministry", "region", "governorate"}),
    "unit": frozenset({"ministry", "region", "municipality", "governorate", "unit"}),
}

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# index = Python's weekday number (Monday = 0), the numbers the database and orgtree keep
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


def weekday_numbers(names: list[Weekday]) -> list[int]:
    return sorted({WEEKDAYS.index(name) for name in names})


def weekday_names(numbers: list[int] | tuple[int, ...]) -> list[Weekday]:
    return [WEEKDAYS[n] for n in sorted(set(numbers)) if 0 <= n < len(WEEKDAYS)]


# Channel kinds (API.md). Extend here; the database stores the word, not an enum.
ChannelKind = Literal[
    "website",
    "app",
    "whatsapp",
    "email",
    "phone",
    "sms",
    "majlis",
    "field_visit",
    "coordination_council",
    "walk_in",
    "x",
    "instagram",
    "snapchat",
    "youtube",
    "tiktok",
    "facebook",
    "linkedin",
    "tv",
    "radio",
    "print",
    "other",
]
CHANNEL_KINDS: tuple[str, ...] = get_args(ChannelKind)
