"""The campaigns service's routers: thin — parse, call the service, return."""

from __future__ import annotations

from fastapi import APIRouter

from services.campaigns.api import axes, initiatives, milestones, public

ROUTERS: list[APIRouter] = [
    axes.router,
    initiatives.router,
    milestones.router,
    public.router,
]

TAGS = [
    {"name": "axes", "description": "The axes of the sector's initiatives (S1-6). المحاور."},
    {
        "name": "initiatives",
        "description": "Programmes and initiatives, milestones, beneficiaries and their "
        "derived progress. المبادرات ومراحلها والمستفيدون.",
    },
    {"name": "public", "description": "Anonymous reads for citizens. للعموم."},
]
