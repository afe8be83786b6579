"""Bodies of the catalog: inquiry categories and SLA policies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from services.inquiries.schemas.common import Schema
from services.inquiries.schemas.inquiries import Kind, LongText, Name, Priority

Code = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$")]
# up to a year of business minutes
Minutes = Annotated[int, Field(ge=1, le=366 * 24 * 60)]


class CategoryCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "6f1e2d3c-4b5a-4978-8877-665544332211",
                    "code": "water-leak",
                    "name_ar": "تسرب المياه",
                    "name_en": "Water leak",
                    "public": True,
                }
            ]
        },
    )

    organization_id: uuid.UUID = Field(description="Owner of the category (in your subtree).")
    parent_id: uuid.UUID | None = Field(
        None, description="Parent category of the same organization (a tree)."
    )
    code: Code = Field(
        description="Stable code, unique in the organization; the Open311 "
        "`service_code` of a public category.",
        examples=["water-leak"],
    )
    name_ar: Name = Field(description="Arabic name.", examples=["تسرب المياه"])
    name_en: Name | None = Field(None, description="English name.", examples=["Water leak"])
    description_ar: LongText | None = Field(None, examples=["بلاغات تسرب المياه في الشوارع"])
    description_en: LongText | None = None
    routing_organization_id: uuid.UUID | None = Field(
        None,
        description="Where inquiries of this category go when the sender names no "
        "organization (in your subtree); default: the owner.",
    )
    public: bool = Field(False, description="Offered to citizens (and as an Open311 service).")
    intake_default: bool = Field(
        False,
        description="Applied to inquiries sent to the organization (or below it) "
        "without a category; one per organization.",
    )
    active: bool = Field(True, description="Inactive categories take no new inquiries.")


class CategoryPatch(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name_ar": "تسربات المياه"}]}
    )

    parent_id: uuid.UUID | None = None
    name_ar: Name | None = None
    name_en: Name | None = None
    description_ar: LongText | None = None
    description_en: LongText | None = None
    routing_organization_id: uuid.UUID | None = None
    public: bool | None = None
    intake_default: bool | None = None
    active: bool | None = None


class CategoryOut(Schema):
    id: uuid.UUID
    organization_id: uuid.UUID
    parent_id: uuid.UUID | None
    code: str = Field(examples=["water-leak"])
    name_ar: str = Field(examples=["تسرب المياه"])
    name_en: str | None
    description_ar: str | None
    description_en: str | None
    routing_organization_id: uuid.UUID | None = Field(
        description="Default routing organization (null: the owner)."
    )
    public: bool
    intake_default: bool
    active: bool
    created_at: datetime
    updated_at: datetime


class SlaPolicyCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "6f1e2d3c-4b5a-4978-8877-665544332211",
                    "kind": "complaint",
                    "priority": "high",
                    "name_ar": "الشكاوى العاجلة",
                    "first_response_minutes": 120,
                    "resolution_minutes": 960,
                }
            ]
        },
    )

    organization_id: uuid.UUID = Field(
        description="Applies to this organization and everything below it (nearest wins)."
    )
    category_id: uuid.UUID | None = Field(
        None,
        description="Only for this category (of the same organization); a category's "
        "policy wins over the organizations' ones.",
    )
    kind: Kind | None = Field(None, description="Only for this kind (null: every kind).")
    priority: Priority | None = Field(None, description="Only this priority (null: every one).")
    name_ar: Name = Field(examples=["الشكاوى العاجلة"])
    name_en: Name | None = Field(None, examples=["Urgent complaints"])
    first_response_minutes: Minutes = Field(
        description="First public reply within this many business minutes.", examples=[120]
    )
    resolution_minutes: Minutes = Field(
        description="Resolution within this many business minutes (≥ first response).",
        examples=[960],
    )
    active: bool = True


class SlaPolicyPatch(Schema):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"resolution_minutes": 1440}]}
    )

    name_ar: Name | None = None
    name_en: Name | None = None
    first_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    active: bool | None = None


class SlaPolicyOut(Schema):
    id: uuid.UUID
    organization_id: uuid.UUID
    category_id: uuid.UUID | None
    kind: Kind | None
    priority: Priority | None
    name_ar: str = Field(examples=["الشكاوى العاجلة"])
    name_en: str | None
    first_response_minutes: int = Field(description="Business minutes.")
    resolution_minutes: int = Field(description="Business minutes.")
    active: bool
    created_at: datetime
    updated_at: datetime
