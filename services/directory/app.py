"""The directory service: `uvicorn services.directory.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.directory.api import ROUTERS, TAGS
from services.directory.api.webhook_docs import with_webhooks
from services.directory.service.passwords import Passwords
from services.directory.settings import SERVICE_NAME, GovhubSettings, get_settings


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def build_passwords(app: FastAPI) -> None:
        app.state.passwords = Passwords(settings)

    async def close_passwords(app: FastAPI) -> None:
        app.state.passwords.close()

    app = create_service_app(
        SERVICE_NAME,
        title="govhub directory",
        description="Organizations, staff, roles, machine clients, channels and tokens"
        " — الدليل: الجهات والموظفون والصلاحيات والقنوات ورموز الدخول",
        settings=settings,
        routers=ROUTERS,
        tags=TAGS,
        on_startup=[build_passwords],
        on_shutdown=[close_passwords],
    )
    app.openapi = with_webhooks(app)  # type: ignore[method-assign]
    return app
