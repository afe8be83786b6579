"""The built-in inquiry KPIs of an organization's subtree for a period."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TargetFigures(BaseModel):
    met: int = Field(description="Inquiries of the period that met the target.")
    missed: int = Field(description="Inquiries whose target was reported breached.")
    compliance_percent: float | None = Field(
        description="met ÷ (met + missed) × 100; null when neither."
    )


class InquiryKpisOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "period": "2027-01",
                    "period_from": "2027-01-01T00:00:00+03:00",
                    "period_to": "2027-02-01T00:00:00+03:00",
                    "volume": 412,
                    "first_response": {"met": 371, "missed": 22, "compliance_percent": 94.4},
                    "resolution": {"met": 290, "missed": 41, "compliance_percent": 87.61},
                    "satisfaction_average": 4.12,
                    "satisfaction_responses": 133,
                    "resolved": 331,
                }
            ]
        }
    )

    organization_id: uuid.UUID = Field(description="Its whole subtree is counted.")
    period: str = Field(description="`2027-01`, `2027-Q1` or `2027`.")
    period_from: datetime = Field(description="The period's start in the organization's zone.")
    period_to: datetime = Field(description="Its end, exclusive.")
    volume: int = Field(description="Inquiries created in the period.")
    first_response: TargetFigures
    resolution: TargetFigures
    satisfaction_average: float | None = Field(
        description="Mean survey rating (1–5) of the period's inquiries; null when none."
    )
    satisfaction_responses: int
    resolved: int = Field(description="Inquiries of the period resolved (and not reopened).")
