"""The inquiries service: `uvicorn services.inquiries.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.inquiries.settings import SERVICE_NAME, GovhubSettings


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
    return create_service_app(
        SERVICE_NAME,
        title="govhub inquiries",
        description=(
            "Every question, complaint, suggestion, compliment, request and media question "
            "from every channel — الاستفسارات والشكاوى والمقترحات"
        ),
        settings=settings,
    )
