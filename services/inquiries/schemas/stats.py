"""The KPI body of `GET /v1/inquiries/stats`."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from services.inquiries.schemas.common import Schema


class CategoryCount(Schema):
    category_id: uuid.UUID | None = Field(description="Null: inquiries without a category.")
    name_ar: str | None = Field(examples=["تسرب المياه"])
    name_en: str | None
    count: int


class TargetStats(Schema):
    median_business_hours: float | None = Field(
        description="Median time to meet the target, in business hours (pauses excluded)."
    )
    measured: int = Field(description="Inquiries whose time was measured.")
    met: int = Field(description="Met within the target.")
    missed: int = Field(description="Met late, or still open past the due time.")
    compliance_percent: float | None = Field(description="met / (met + missed) × 100.")


class Backlog(Schema):
    """Open inquiries now (new … awaiting_citizen), by age since creation."""

    under_1_day: int
    days_1_to_3: int
    days_3_to_7: int
    days_7_to_30: int
    over_30_days: int
    total: int


class Satisfaction(Schema):
    average_rating: float | None = Field(description="Average of the 1–5 ratings.")
    responses: int = Field(description="Surveys answered.")
    resolved: int = Field(description="Inquiries resolved (that could be rated).")
    response_rate_percent: float | None = Field(description="responses / resolved × 100.")


class StatsOut(Schema):
    organization_id: uuid.UUID | None = Field(
        description="Root of the subtree counted (null: the whole hub, sector admins only)."
    )
    period_from: datetime = Field(description="Inquiries created from (inclusive) …")
    period_to: datetime = Field(description="… to (exclusive).")
    total: int
    by_status: dict[str, int] = Field(examples=[{"new": 12, "in_progress": 30}])
    by_kind: dict[str, int] = Field(examples=[{"complaint": 25, "question": 17}])
    by_channel: dict[str, int] = Field(examples=[{"whatsapp": 20, "website": 22}])
    by_priority: dict[str, int] = Field(examples=[{"normal": 35, "high": 7}])
    by_category: list[CategoryCount]
    first_response: TargetStats
    resolution: TargetStats
    sla_compliance_percent: float | None = Field(
        description="Both targets together: met / (met + missed) × 100."
    )
    backlog_by_age: Backlog = Field(description="Not limited to the period: open right now.")
    satisfaction: Satisfaction
