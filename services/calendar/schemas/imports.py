"""A row of a calendar import (kind `entries`): the create body and its key elsewhere."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from services.calendar.schemas.common import ShortText
from services.calendar.schemas.entries import EntryCreate
from services.common.i18n import text

_SEPARATORS = re.compile(r"[;,|]")


def _naive(value: Any) -> datetime | None:
    """The value as a date-time without an offset, or None (aware, absent, not one)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime) and value.tzinfo is None:
        return value
    return None


class OverrideRow(BaseModel):
    """One occurrence of the series moved or cancelled (an `.ics` RECURRENCE-ID)."""

    model_config = ConfigDict(extra="forbid")

    recurrence_id: ShortText = Field(
        description="The occurrence's original start (`20260118T160000Z`, an RFC 3339 "
        "instant, or the date of an all-day one)."
    )
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    start_date: date | None = None
    end_date: date | None = None
    cancelled: bool = False


class EntryImportRow(EntryCreate):
    """`POST /v1/calendar/entries`'s body (validated by the same schema) plus its key in the
    system it comes from; `organization_code` may stand for `organization_id`. In a CSV,
    lists (`channels`, `audiences`, `exdates`, `blocks`) are separated by `;` or `,`."""

    model_config = ConfigDict(extra="forbid")

    external_id: ShortText = Field(
        description="Its id in the source system (an `.ics` file's UID)."
    )
    organization_code: str | None = Field(
        None, max_length=100, description="The owning organization's code (directory)."
    )
    overrides: list[OverrideRow] = Field(
        default_factory=list,
        max_length=1000,
        description="Moved or cancelled occurrences (from an `.ics` file's RECURRENCE-ID).",
    )
    cancelled: bool = Field(False, description="The whole entry is cancelled (STATUS:CANCELLED).")

    @model_validator(mode="before")
    @classmethod
    def _default_source(cls, data: Any, info: ValidationInfo) -> Any:
        """`external_source` defaults to the job's `?source=`."""
        if isinstance(data, dict) and not data.get("external_source") and info.context:
            data = {**data, "external_source": info.context.get("source")}
        return data

    @model_validator(mode="before")
    @classmethod
    def _local_times(cls, data: Any) -> Any:
        """A time without an offset (a spreadsheet's date-time cell) is wall-clock time in
        the row's `timezone`."""
        if not isinstance(data, dict) or not data.get("timezone"):
            return data
        try:
            zone = ZoneInfo(str(data["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            return data  # the field's own check reports it
        data = dict(data)
        for name in ("starts_at", "ends_at"):
            value = _naive(data.get(name))
            if value is not None:
                data[name] = value.replace(tzinfo=zone)
        return data

    @field_validator("starts_at", "ends_at", mode="before")
    @classmethod
    def _offset_needed(cls, value: Any) -> Any:
        if _naive(value) is not None:
            raise ValueError(
                text(
                    "أضف فرق التوقيت (+03:00) أو عمود timezone",
                    "Add the UTC offset (+03:00), or a timezone column",
                )
            )
        return value

    @field_validator("channels", "audiences", "exdates", "blocks", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in _SEPARATORS.split(value) if part.strip()]
        return value

    @model_validator(mode="after")
    def _one_organization(self) -> EntryImportRow:
        if self.organization_id is not None and self.organization_code is not None:
            raise ValueError(
                text(
                    "أرسل organization_id أو organization_code لا كليهما",
                    "Send organization_id or organization_code, not both",
                )
            )
        return self

    def create_body(self) -> EntryCreate:
        """The row as the create endpoint's body."""
        return EntryCreate.model_validate(
            self.model_dump(include=set(EntryCreate.model_fields), exclude_unset=False)
        )
