"""The campaigns service's routers: thin — parse, call the service, return."""

from __future__ import annotations

from fastapi import APIRouter

from services.campaigns.api import (
    axes,
    campaigns,
    crisis,
    imports,
    initiatives,
    integration,
    key_messages,
    kpis,
    milestones,
    public,
    reports,
)

ROUTERS: list[APIRouter] = [
    imports.router,  # before campaigns.router's /v1/campaigns/{campaign_id}
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
    campaigns.router,
    campaigns.flights_router,
    key_messages.router,
    key_messages.versions_router,
    crisis.router,
    crisis.activations_router,
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
    {
        "name": "campaigns",
        "description": "Advertising, awareness, media and crisis campaigns, their approval "
        "and flights on the calendar (S1-4, S2-6). الحملات.",
    },
    {
        "name": "key-messages",
        "description": "The key messages library: topics and versions (S1-3). الرسائل "
        "الإعلامية الموحدة.",
    },
    {
        "name": "crisis",
        "description": "Crisis playbooks and their activation: a crisis campaign, inquiry "
        "tagging and calendar suspension (S2-2). خطط الأزمات.",
    },
    {"name": "public", "description": "Anonymous reads for citizens. للعموم."},
    {
        "name": "campaigns imports",
        "description": "Bulk imports of initiatives and KPI values from CSV, JSON Lines or "
        ".xlsx. استيراد المبادرات وقيم المؤشرات.",
    },
]
