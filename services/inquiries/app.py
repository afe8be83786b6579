"""The inquiries service: `uvicorn services.inquiries.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.common.attachments.storage import build_storage
from services.common.db import build_driver_pool
from services.common.pool_metrics import watch_driver_pool
from services.inquiries.api import ROUTERS, TAGS
from services.inquiries.service.intake.memory import KEPT_CONTEXTS, IntakeMemory
from services.inquiries.service.intake.writer import INTAKE_WRITER_CONNECTIONS, IntakeWriter
from services.inquiries.settings import SERVICE_NAME, GovhubSettings, get_settings

DESCRIPTION = """Every question, complaint, suggestion, compliment, request and media question
from every channel (S0-3, S0-4, S2-1, S2-4, S4-1, S4-2, S4-3): routed to the responsible
organization, answered within targets counted in its business hours, followed by the
citizen with a tracking token, measured by a satisfaction survey and KPIs.
— الاستفسارات والشكاوى والمقترحات والطلبات الإعلامية من كل القنوات."""


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def start_intake(app: FastAPI) -> None:
        app.state.intake_memory = IntakeMemory(
            settings.inquiries_reference_block,
            kept=KEPT_CONTEXTS if settings.inquiries_intake_memory else 0,
        )
        pool = await build_driver_pool(app.state.engine, INTAKE_WRITER_CONNECTIONS)
        watch_driver_pool(pool, "intake_writer")
        app.state.intake_writer = IntakeWriter(pool)

    async def stop_intake(app: FastAPI) -> None:
        await app.state.intake_writer.close()

    async def open_attachment_storage(app: FastAPI) -> None:
        app.state.attachment_storage = build_storage(settings)
        await app.state.attachment_storage.open()

    async def close_attachment_storage(app: FastAPI) -> None:
        await app.state.attachment_storage.close()

    return create_service_app(
        SERVICE_NAME,
        title="govhub inquiries",
        description=DESCRIPTION,
        settings=settings,
        routers=ROUTERS,
        tags=TAGS,
        on_startup=[start_intake, open_attachment_storage],
        on_shutdown=[stop_intake, close_attachment_storage],
    )
