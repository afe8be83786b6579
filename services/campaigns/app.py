"""The campaigns service: `uvicorn services.campaigns.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.campaigns.api import ROUTERS, TAGS
from services.campaigns.settings import SERVICE_NAME, GovhubSettings, get_settings
from services.common.app import create_service_app
from services.common.problems import problem_details_openapi
from services.common.replicas import replica_client


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    async def open_inquiries_client(app: FastAPI) -> None:
        # crisis activations read their live counts from the inquiries service (its
        # replicas in turn, past one that is down)
        app.state.inquiries_client = replica_client(settings.service_urls("inquiries"), 5.0)

    async def close_inquiries_client(app: FastAPI) -> None:
        await app.state.inquiries_client.aclose()

    app = create_service_app(
        SERVICE_NAME,
        title="govhub campaigns",
        description=(
            "Initiatives, advertising / awareness / media / crisis campaigns, key messages, "
            "KPIs, activity reports and crisis playbooks — المبادرات والحملات"
        ),
        settings=settings,
        routers=ROUTERS,
        tags=TAGS,
        on_startup=[open_inquiries_client],
        on_shutdown=[close_inquiries_client],
    )
    app.openapi = problem_details_openapi(app)  # type: ignore[method-assign]
    return app
