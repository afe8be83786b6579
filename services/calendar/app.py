"""The calendar service: `uvicorn services.calendar.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.calendar.settings import SERVICE_NAME, GovhubSettings
from services.common.app import create_service_app


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
    return create_service_app(
        SERVICE_NAME,
        title="govhub calendar",
        description=(
            "The unified marketing and media calendar of a ministry and its municipalities: "
            "occasions, campaign flights, press conferences, approvals, Hijri dates, iCal "
            "feeds — الروزنامة التسويقية والإعلامية الموحدة"
        ),
        settings=settings,
    )
