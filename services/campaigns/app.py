"""The campaigns service: `uvicorn services.campaigns.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.campaigns.api import ROUTERS, TAGS
from services.campaigns.openapi import problem_details_openapi
from services.campaigns.settings import SERVICE_NAME, GovhubSettings
from services.common.app import create_service_app


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
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
    )
    app.openapi = problem_details_openapi(app)  # type: ignore[method-assign]
    return app
