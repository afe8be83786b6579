"""Axes of the municipal sector's initiatives (S1-6)."""

from __future__ import annotations

import uuid

from pydantic import ConfigDict, Field, field_validator

from services.campaigns.schemas.common import Body, Code, Name, Timestamps, reject_null


class AxisCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"code": "environment", "name_ar": "الاستدامة البيئية", "name_en": "Environment"}
            ]
        }
    )

    code: Code = Field(description="Stable code, unique.", examples=["environment"])
    name_ar: Name = Field(description="Arabic name.", examples=["الاستدامة البيئية"])
    name_en: Name | None = Field(None, description="English name.")


class AxisUpdate(Body):
    """Only the fields sent change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name_ar": "التوعية الصحية"}]})

    code: Code | None = None
    name_ar: Name | None = None
    name_en: Name | None = None

    @field_validator("code", "name_ar")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class AxisOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b8f1f7e-3f44-4a59-9a51-3d5bd0c6a001",
                    "code": "health_awareness",
                    "name_ar": "التوعية الصحية",
                    "name_en": "Health awareness",
                    "created_at": "2026-12-01T09:00:00+03:00",
                    "updated_at": "2026-12-01T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    code: str
    name_ar: str
    name_en: str | None
