"""The calendar service: `uvicorn services.calendar.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.calendar.api import ROUTERS, TAGS
from services.calendar.openapi import problem_details_openapi
from services.calendar.service import occasions
from services.calendar.settings import SERVICE_NAME, GovhubSettings, get_settings
from services.common.app import create_service_app
from services.common.db import session_scope


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def seed_occasions(app: FastAPI) -> None:
        # the built-in occasions on first start (a no-op afterwards, safe on replicas)
        async with session_scope(app.state.sessionmaker) as session:
            await occasions.seed(session)

    app = create_service_app(
        SERVICE_NAME,
        title="govhub calendar",
        description=(
            "The unified marketing and media calendar of a ministry and its municipalities: "
            "occasions, campaign flights, press conferences, approvals, Hijri dates, iCal "
            "feeds — الروزنامة التسويقية والإعلامية الموحدة"
        ),
        settings=settings,
        routers=ROUTERS,
        tags=TAGS,
        on_startup=[seed_occasions],
    )
    app.openapi = problem_details_openapi(app)  # type: ignore[method-assign]
    return app
