"""The inquiries routers: thin — parse, call the service, return.

Order matters: fixed paths (`/export`, `/stats`, `/track/…`) come before `/{inquiry_id}`.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.inquiries.api import (
    attachments,
    catalog,
    imports,
    inquiries,
    timeline,
    tracking,
    workflow,
)
from services.inquiries.notifications import api as notifications
from services.inquiries.open311 import api as open311
from services.inquiries.whatsapp import api as whatsapp

ROUTERS: list[APIRouter] = [
    imports.router,
    tracking.router,
    notifications.opt_out_router,
    inquiries.router,
    timeline.router,
    workflow.router,
    catalog.categories,
    catalog.policies,
    open311.router,
    whatsapp.router,
    notifications.templates,
    attachments.router,
]

TAGS = [
    {
        "name": "inquiries",
        "description": "Questions, complaints, suggestions, compliments, requests and media "
        "requests from every channel: intake, routing, SLA, search, export and KPIs. "
        "الاستفسارات والشكاوى والمقترحات.",
    },
    {
        "name": "inquiry timeline",
        "description": "Public replies, internal notes, history, duplicates. سجل المتابعة.",
    },
    {
        "name": "inquiry workflow",
        "description": "new → assigned → in_progress → awaiting_citizen → resolved → closed; "
        "reopen, reject, transfer. سير العمل.",
    },
    {
        "name": "inquiry tracking",
        "description": "The citizen's side, with the tracking token: status, replies, "
        "answers, satisfaction survey. متابعة الطلب والتقييم.",
    },
    {
        "name": "inquiry categories",
        "description": "Category trees per organization, routing and public services. التصنيفات.",
    },
    {
        "name": "sla policies",
        "description": "Response and resolution targets in business hours. مستويات الخدمة.",
    },
    {
        "name": "inquiry imports",
        "description": "Bulk imports from legacy systems (CSV, JSON Lines, .xlsx): jobs, "
        "progress, rejected rows. الاستيراد الجماعي.",
    },
    {
        "name": "open311",
        "description": "Open311 GeoReport v2: public services (the public categories), "
        "service requests and tokens, in JSON and XML. واجهة Open311 للبلاغات.",
    },
    {
        "name": "whatsapp",
        "description": "The WhatsApp Cloud API webhook: citizens' messages open or continue "
        "inquiries, staff's public replies go back on WhatsApp. قناة واتساب.",
    },
    {
        "name": "notifications",
        "description": "What citizens are told, on the channel they wrote from, and the "
        "wording per organization; opting out. إشعارات المواطنين.",
    },
    {
        "name": "attachments",
        "description": "Files of every service — citizens' photos, documents cited by "
        "answers, evidence of milestones and KPIs: uploaded once, owned by what first "
        "references them, served only to whoever may read that. المرفقات.",
    },
]
