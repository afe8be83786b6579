"""The directory's routers: thin — parse, call the service, return."""

from __future__ import annotations

from fastapi import APIRouter

from services.directory.api import (
    api_clients,
    audit,
    auth,
    channels,
    organizations,
    users,
    webhooks,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    organizations.router,
    users.router,
    api_clients.router,
    channels.router,
    audit.router,
    webhooks.router,
    webhooks.deliveries_router,
]

TAGS = [
    {"name": "auth", "description": "OAuth2 tokens and the keys that verify them. رموز الدخول."},
    {
        "name": "organizations",
        "description": "The organization tree (ministry → region → municipality / governorate "
        "→ unit), inherited working calendars and holidays. الجهات وشجرتها والإجازات.",
    },
    {"name": "users", "description": "Staff, roles and passwords. الموظفون والأدوار."},
    {
        "name": "api-clients",
        "description": "Machine clients of other ministries (client credentials). عملاء الأنظمة.",
    },
    {"name": "channels", "description": "Intake and publishing channels. قنوات التواصل."},
    {"name": "audit", "description": "Who changed what, when. سجل التدقيق."},
    {
        "name": "webhooks",
        "description": "Signed events out to other systems (Standard Webhooks), their delivery "
        "log and retries. الاشتراك في الأحداث.",
    },
]
