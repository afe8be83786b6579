"""The campaigns service's routers: thin — parse, call the service, return."""

from __future__ import annotations

from fastapi import APIRouter

from services.campaigns.api import (
    axes,
    initiatives,
    integration,
    kpis,
    milestones,
    public,
    reports,
)

ROUTERS: list[APIRouter] = [
    axes.router,
    initiatives.router,
    milestones.router,
    public.router,
    kpis.router,
    kpis.values_router,
    kpis.scorecards_router,
    reports.router,
    integration.router,
    integration.initiative_router,
]

TAGS = [
    {"name": "axes", "description": "The axes of the sector's initiatives (S1-6). المحاور."},
    {
        "name": "initiatives",
        "description": "Programmes and initiatives, milestones, beneficiaries and their "
        "derived progress. المبادرات ومراحلها والمستفيدون.",
    },
    {
        "name": "kpis",
        "description": "Performance indicators, targets, verified values, series and "
        "scorecards. مؤشرات الأداء.",
    },
    {
        "name": "reports",
        "description": "Activity and media-coverage reports and the ministry's unified "
        "information center (S3-2). التقارير ومركز المعلومات الموحد.",
    },
    {
        "name": "integration",
        "description": "Integrating initiatives across municipalities: the weighted rubric, "
        "scores and overlap detection (S1-8). تكامل المبادرات.",
    },
    {"name": "public", "description": "Anonymous reads for citizens. للعموم."},
]
