"""The directory service: `uvicorn services.directory.app:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.directory.settings import SERVICE_NAME, GovhubSettings


def create_app(settings: GovhubSettings | None = None) -> FastAPI:
    return create_service_app(
        SERVICE_NAME,
        title="govhub directory",
        description="Organizations, staff, roles, machine clients, channels and tokens"
        " — الدليل: الجهات والموظفون والصلاحيات",
        settings=settings,
    )
