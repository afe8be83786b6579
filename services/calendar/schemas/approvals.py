"""Approval policies: for an organization's subtree and a set of kinds, ordered steps."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.calendar.schemas.common import (
    KINDS,
    Comment,
    Kind,
    Level,
    Name,
    RoleName,
    Timestamps,
)
from services.common.patterns import NOT_BLANK

_EXAMPLE: dict[str, Any] = {
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "name_ar": "المؤتمرات الصحفية للبلديات تعتمدها الأمانة",
    "name_en": "Municipal press conferences need the amanah's approval",
    "kinds": ["press_conference"],
    "steps": [
        {"level": "own", "roles": ["unit_head", "org_admin"]},
        {"level": "parent", "roles": ["org_admin"]},
    ],
}


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Level = Field(
        description="`own` (the entry's organization), `parent` (the one above), "
        "`ministry` (the tree's root)."
    )
    roles: list[RoleName] = Field(
        min_length=1, max_length=6, description="Roles of that organization that may decide."
    )


class PolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    organization_id: uuid.UUID = Field(description="The policy covers this subtree.")
    name_ar: Name
    name_en: Name | None = None
    kinds: list[Kind] = Field(
        default_factory=list, description="Kinds covered (empty: every kind): " + ", ".join(KINDS)
    )
    steps: list[StepSpec] = Field(min_length=1, max_length=5, description="In order.")
    active: bool = True


class PolicyUpdate(BaseModel):
    """Only the fields sent change; entries already pending keep the steps they have."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    name_ar: Name | None = None
    name_en: Name | None = None
    kinds: list[Kind] | None = None
    steps: list[StepSpec] | None = Field(None, min_length=1, max_length=5)
    active: bool | None = None


class PolicyOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _EXAMPLE
                | {
                    "id": "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b",
                    "active": True,
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    organization_id: uuid.UUID
    name_ar: str
    name_en: str | None
    kinds: list[str]
    steps: list[StepSpec]
    active: bool


# an entry's decisions and the approval view shown with it


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"comment": "معتمد، مع مراعاة التوقيت"}]}
    )

    comment: Comment | None = Field(None, description="Kept with the decision, forever.")


class RejectIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"comment": "يتعارض مع زيارة معالي الوزير"}]},
    )

    comment: Annotated[Comment, NOT_BLANK] = Field(description="Why (required).", min_length=1)


class StepOut(BaseModel):
    position: int = Field(description="1 for the first step.")
    version: int = Field(description="The entry version the step belongs to.")
    level: Level
    organization_id: uuid.UUID = Field(description="The organization whose staff decide.")
    roles: list[str] = Field(description="The roles that may decide.")
    status: Literal["queued", "waiting", "approved", "rejected", "superseded"]
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None


class HistoryOut(BaseModel):
    version: int
    action: str = Field(
        description="create, submit, approve, reject, cancel, change, suspend, lift, finish."
    )
    from_status: str | None
    to_status: str
    actor_id: str | None
    actor_type: str
    comment: str | None = Field(description="The decision's comment or the suspension's reason.")
    suspension_id: uuid.UUID | None = None
    occurred_at: datetime


class ApprovalOut(BaseModel):
    steps: list[StepOut] = Field(description="Steps of every version, the current ones last.")
    history: list[HistoryOut] = Field(description="Every decision and state change.")
