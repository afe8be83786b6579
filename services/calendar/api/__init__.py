"""The calendar's routers: thin — parse, call the service, return."""

from __future__ import annotations

from fastapi import APIRouter

from services.calendar.api import (
    approvals,
    conflicts,
    entries,
    feeds,
    imports,
    occasions,
    suspensions,
)

ROUTERS: list[APIRouter] = [
    approvals.router,
    conflicts.router,
    entries.router,
    suspensions.router,
    occasions.router,
    feeds.router,
    imports.router,
]

TAGS = [
    {
        "name": "calendar entries",
        "description": "Entries, occurrences (Gregorian and Hijri recurrence) and their "
        "approval. المواعيد وتكرارها واعتمادها.",
    },
    {
        "name": "calendar approvals",
        "description": "Approval policies and what waits for a decision. سياسات الاعتماد.",
    },
    {"name": "calendar conflicts", "description": "Clashes across the sector. التعارضات."},
    {
        "name": "calendar suspensions",
        "description": "Crisis pauses of approved entries. تعليق المواعيد في الأزمات.",
    },
    {
        "name": "calendar occasions",
        "description": "National and religious occasions, moon sightings. المناسبات ورؤية الهلال.",
    },
    {
        "name": "calendar feeds",
        "description": "iCalendar subscriptions (Outlook, Google, Apple). اشتراكات التقويم.",
    },
    {
        "name": "calendar imports",
        "description": "Bulk imports of entries from CSV, JSON Lines, .xlsx or .ics. "
        "استيراد المواعيد.",
    },
]
