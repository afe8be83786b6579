"""Occasions and moon-sighting confirmations."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.calendar.schemas.common import Comment, HijriDates, Name, Timestamps


class OccasionDate(BaseModel):
    hijri_year: int | None = Field(description="The Hijri year (Hijri occasions).")
    start_date: date
    end_date: date = Field(description="Inclusive.")
    hijri: HijriDates
    confirmed: bool = Field(description="Set by a moon-sighting confirmation.")


class OccasionOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                    "code": "eid-al-fitr",
                    "region": None,
                    "name_ar": "عيد الفطر",
                    "name_en": "Eid al-Fitr",
                    "calendar": "hijri",
                    "month": 10,
                    "day": 1,
                    "duration_days": 3,
                    "day_off": True,
                    "active": True,
                    "start_date": "2026-03-20",
                    "end_date": "2026-03-22",
                    "dates": [
                        {
                            "hijri_year": 1447,
                            "start_date": "2026-03-20",
                            "end_date": "2026-03-22",
                            "hijri": {"start": "1447-10-01", "end": "1447-10-03"},
                            "confirmed": False,
                        }
                    ],
                    "created_at": "2026-01-01T00:00:00+03:00",
                    "updated_at": "2026-01-01T00:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    code: str
    region: str | None = Field(description="ISO 3166 country; null: every region.")
    name_ar: str
    name_en: str | None
    calendar: Literal["hijri", "gregorian"]
    month: int
    day: int
    duration_days: int
    day_off: bool = Field(description="An official holiday: it feeds the directory's holidays.")
    active: bool
    start_date: date | None = Field(description="The first date in the year asked for.")
    end_date: date | None
    dates: list[OccasionDate] = Field(description="Every start in the year asked for.")


class OccasionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "sa-flag-day",
                    "region": "SA",
                    "name_ar": "يوم العلم",
                    "name_en": "Flag Day",
                    "calendar": "gregorian",
                    "month": 3,
                    "day": 11,
                }
            ]
        },
    )

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$")
    region: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    name_ar: Name
    name_en: Name | None = None
    calendar: Literal["hijri", "gregorian"]
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    duration_days: int = Field(1, ge=1, le=31)
    day_off: bool = False


class OccasionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"day_off": False}]})

    name_ar: Name | None = None
    name_en: Name | None = None
    duration_days: int | None = Field(None, ge=1, le=31)
    day_off: bool | None = None
    active: bool | None = None


class ConfirmationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"hijri_year": 1447, "start_date": "2026-03-21", "note": "تعذرت رؤية الهلال"}
            ]
        },
    )

    hijri_year: int = Field(ge=1343, le=1500)
    start_date: date = Field(description="The sighted Gregorian first day.")
    note: Comment | None = None


class ConfirmationOut(Timestamps):
    id: uuid.UUID
    occasion_id: uuid.UUID
    hijri_year: int
    start_date: date
    computed_start_date: date = Field(description="What the Umm al-Qura table gives.")
    note: str | None
    confirmed_by: str | None
