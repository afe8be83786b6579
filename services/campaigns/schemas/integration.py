"""The integration rubric (S1-8) and an initiative's score and overlaps."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.campaigns.schemas.common import Body, Code, Name
from services.common.patterns import WEIGHT_DIGITS

Rule = Literal[
    "has_partners",
    "has_kpis",
    "has_milestones",
    "has_beneficiaries",
    "has_budget",
    "published",
    "overlaps_coordinated",
]
RULE_DESCRIPTION = (
    "What the criterion checks: has_partners (other organizations take part), has_kpis "
    "(KPIs linked), has_milestones, has_beneficiaries (figures reported), has_budget "
    "(planned budget set), published, overlaps_coordinated (every overlapping initiative's "
    "organization takes part in it)."
)
Weight = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=2), WEIGHT_DIGITS]


class CriterionIn(Body):
    code: Code
    name_ar: Name
    name_en: Name | None = None
    rule: Rule = Field(description=RULE_DESCRIPTION)
    weight: Weight = Field(description="Relative weight; the score is met weight / all weight.")


class CriteriaIn(Body):
    """The whole rubric, in order; replaces the current one (sector admins)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "partners",
                            "name_ar": "مشاركة جهات أخرى في التنفيذ",
                            "rule": "has_partners",
                            "weight": "40",
                        },
                        {
                            "code": "overlaps",
                            "name_ar": "التنسيق مع المبادرات المتشابهة",
                            "rule": "overlaps_coordinated",
                            "weight": "60",
                        },
                    ]
                }
            ]
        }
    )

    items: list[CriterionIn] = Field(min_length=1, max_length=50)


class CriterionOut(BaseModel):
    id: uuid.UUID
    code: str
    name_ar: str
    name_en: str | None
    rule: str
    weight: Decimal
    position: int


class CriteriaOut(BaseModel):
    items: list[CriterionOut]


class CriterionResult(BaseModel):
    code: str
    name_ar: str
    rule: str
    weight: Decimal
    met: bool


class Overlap(BaseModel):
    initiative_id: uuid.UUID
    code: str
    title_ar: str
    organization_id: uuid.UUID
    axis_id: uuid.UUID
    start_date: date
    end_date: date
    status: str
    similarity: float = Field(description="Trigram similarity of the normalized Arabic titles.")
    overlap_days: int = Field(description="Days both run.")
    coordinated: bool = Field(
        description="Its organization takes part in this initiative (or the reverse)."
    )


class IntegrationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "initiative_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
                    "score": "55.00",
                    "criteria": [
                        {
                            "code": "partners",
                            "name_ar": "مشاركة جهات أخرى في التنفيذ",
                            "rule": "has_partners",
                            "weight": "30.00",
                            "met": True,
                        }
                    ],
                    "overlaps": [
                        {
                            "initiative_id": "5b4a3928-1706-4f5e-8d4c-3b2a19080706",
                            "code": "MLZ-LIGHT-2027",
                            "title_ar": "مبادره انارة الشوارع بالطاقه الشمسيه",
                            "organization_id": "5a1e2b3c-4d5e-4f60-8a71-9b8c7d6e5f40",
                            "axis_id": "0b8f1f7e-3f44-4a59-9a51-3d5bd0c6a004",
                            "start_date": "2027-02-01",
                            "end_date": "2027-10-31",
                            "status": "approved",
                            "similarity": 1.0,
                            "overlap_days": 273,
                            "coordinated": False,
                        }
                    ],
                }
            ]
        }
    )

    initiative_id: uuid.UUID
    score: Decimal = Field(description="0–100: met weight / all weight of the rubric.")
    criteria: list[CriterionResult]
    overlaps: list[Overlap] = Field(
        description="Other organizations' initiatives on the same axis whose dates overlap "
        "and whose Arabic titles are similar, best first."
    )
