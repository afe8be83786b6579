"""Every outbox event type and the schema of its `data`: what webhook subscribers receive.

The directory documents these in the OpenAPI spec's `webhooks` section (one entry per type)
and a test checks that every type a service emits is listed here. A service that emits a
new type adds its model here: this module is data only and imports no service.

Events never carry citizens' contact details (names, phone numbers, e-mail addresses,
WhatsApp ids) nor the texts they wrote; the webhook fan-out strips such keys as well.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

INQUIRY_EXAMPLE = {
    "id": "0b6f2a57-9d5e-4c1b-8f0a-3e2d1c4b5a69",
    "reference": "INQ-2026-000123",
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "category_id": None,
    "kind": "complaint",
    "status": "new",
    "priority": "normal",
    "channel": "whatsapp",
}


class InquiryData(BaseModel):
    """The inquiry as events show it: no contact details, no texts."""

    model_config = ConfigDict(extra="allow")

    id: uuid.UUID = Field(description="The inquiry.")
    reference: str = Field(examples=["INQ-2026-000123"])
    organization_id: uuid.UUID = Field(description="The organization that owns it now.")
    category_id: uuid.UUID | None = None
    kind: str = Field(examples=["complaint"])
    status: str = Field(examples=["new"])
    priority: str = Field(examples=["normal"])
    channel: str = Field(description="The channel it came by.", examples=["whatsapp"])


class InquiryCreated(InquiryData):
    first_response_due: datetime
    resolution_due: datetime
    created_at: datetime


class InquiryStatusChanged(InquiryData):
    previous_status: str = Field(examples=["assigned"])
    action: str = Field(description="The workflow action that changed it.", examples=["resolve"])
    changed_at: datetime


class InquiryTransferred(InquiryData):
    from_organization_id: uuid.UUID
    reason: str | None = Field(None, examples=["من اختصاص البلدية"])


class InquiryResolved(InquiryData):
    resolved_at: datetime
    resolution_due: datetime


class InquirySurveySubmitted(InquiryData):
    rating: int = Field(ge=1, le=5)


class InquiryReplied(InquiryData):
    message_id: uuid.UUID = Field(description="The public reply on the inquiry's timeline.")
    replied_at: datetime
    awaiting_citizen: bool = Field(
        description="The reply asks the citizen for more details (the SLA clock waits)."
    )


class InquirySlaBreached(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: uuid.UUID
    reference: str = Field(examples=["INQ-2026-000123"])
    organization_id: uuid.UUID
    target: Literal["first_response", "resolution"]
    due_at: datetime
    status: str
    priority: str
    kind: str


class WebhookDisabled(BaseModel):
    subscription_id: uuid.UUID
    organization_id: uuid.UUID
    url: str
    failing_since: datetime
    disabled_at: datetime


class CampaignData(BaseModel):
    """A campaign as its events show it."""

    model_config = ConfigDict(extra="allow")

    campaign_id: uuid.UUID
    code: str = Field(examples=["HAJJ-AWARE-1447"])
    title_ar: str = Field(examples=["حملة التوعية بالحج"])
    type: str = Field(examples=["awareness"])
    organization_id: uuid.UUID
    status: str = Field(examples=["approved"])
    version: int
    start_date: str = Field(description="ISO 8601 date.", examples=["2026-05-01"])
    end_date: str = Field(description="ISO 8601 date.", examples=["2026-06-15"])
    channels: list[str] = Field(examples=[["x", "tv"]])
    audiences: list[str] = Field(examples=[["citizens"]])


class FlightData(BaseModel):
    """A campaign's flight (scheduled or changed: its calendar entry's fields)."""

    model_config = ConfigDict(extra="allow")

    campaign_id: uuid.UUID
    flight_id: uuid.UUID
    organization_id: uuid.UUID
    title_ar: str | None = None
    title_en: str | None = None
    description_ar: str | None = None
    start_date: str | None = Field(None, description="ISO 8601 date.")
    end_date: str | None = Field(None, description="ISO 8601 date.")
    channels: list[str] | None = None
    audiences: list[str] | None = None
    visibility: str | None = Field(None, examples=["sector"])
    approved: bool | None = None
    revision: int | None = Field(
        None,
        description="The event's time in microseconds: a consumer applies a flight's events "
        "in this order (an older one arriving later changes nothing).",
    )


class InitiativeData(BaseModel):
    model_config = ConfigDict(extra="allow")

    initiative_id: uuid.UUID
    code: str = Field(examples=["INIT-2027-01"])
    title_ar: str = Field(examples=["مبادرة تحسين المشهد الحضري"])
    organization_id: uuid.UUID
    status: str = Field(examples=["in_progress"])
    from_status: str | None = Field(None, description="On `initiative.status_changed`.")


class MilestoneData(BaseModel):
    model_config = ConfigDict(extra="allow")

    milestone_id: uuid.UUID
    initiative_id: uuid.UUID
    organization_id: uuid.UUID
    title_ar: str
    due_date: str = Field(description="ISO 8601 date.")
    weight: str = Field(description="A decimal, as text.", examples=["0.25"])
    days_overdue: int | None = Field(None, description="On `milestone.overdue`.")


class KeyMessageVersionData(BaseModel):
    model_config = ConfigDict(extra="allow")

    version_id: uuid.UUID
    key_message_id: uuid.UUID
    number: int
    status: str = Field(examples=["approved"])


class KpiValueData(BaseModel):
    model_config = ConfigDict(extra="allow")

    kpi_value_id: uuid.UUID
    kpi_id: uuid.UUID
    organization_id: uuid.UUID
    period: str = Field(examples=["2027-Q1"])
    value: str = Field(description="A decimal, as text.", examples=["87.5"])
    status: str = Field(examples=["verified"])


class ReportData(BaseModel):
    model_config = ConfigDict(extra="allow")

    report_id: uuid.UUID
    organization_id: uuid.UUID
    kind: str = Field(examples=["media_coverage"])
    status: str = Field(examples=["submitted"])
    period_start: str = Field(description="ISO 8601 date.")
    period_end: str = Field(description="ISO 8601 date.")


class CrisisActivated(BaseModel):
    model_config = ConfigDict(extra="allow")

    activation_id: uuid.UUID
    playbook_id: uuid.UUID
    organization_id: uuid.UUID
    level: int = Field(ge=1, le=3)
    tag: str = Field(description="Tagged on matching inquiries.")
    keywords: list[str]
    window_start: datetime
    activated_at: datetime
    suspend_calendar: bool
    suspend_until: datetime | None = Field(
        None,
        description="With `suspend_calendar`: the end of the window whose approved calendar "
        "entries the calendar suspends (from `activated_at`), the crisis campaign's end.",
    )
    campaign_id: uuid.UUID
    reason: str | None = None


class CrisisClosed(BaseModel):
    model_config = ConfigDict(extra="allow")

    activation_id: uuid.UUID
    organization_id: uuid.UUID
    closed_at: datetime
    suspend_calendar: bool


class CalendarEntryData(BaseModel):
    """A calendar entry as its events show it."""

    model_config = ConfigDict(extra="allow")

    entry_id: uuid.UUID
    organization_id: uuid.UUID
    kind: str = Field(examples=["press_conference"])
    title_ar: str = Field(examples=["المؤتمر الصحفي لإطلاق موسم رمضان"])
    title_en: str | None = None
    status: str = Field(examples=["approved"])
    version: int
    all_day: bool
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    start_date: str | None = Field(None, description="ISO 8601 date (all-day entries).")
    end_date: str | None = Field(None, description="ISO 8601 date (all-day entries).")
    timezone: str | None = Field(None, examples=["Asia/Riyadh"])
    rrule: str | None = None


class OccasionDaysChanged(BaseModel):
    model_config = ConfigDict(extra="allow")

    occasion_id: uuid.UUID
    code: str = Field(examples=["eid_al_fitr"])
    region: str | None = None
    name_ar: str = Field(examples=["عيد الفطر"])
    name_en: str | None = None
    added: list[str] = Field(description="ISO 8601 dates that became days off.")
    removed: list[str] = Field(description="ISO 8601 dates that are no longer days off.")


@dataclass(frozen=True)
class EventDoc:
    summary: str
    description: str
    data: type[BaseModel]


EVENT_TYPES: dict[str, EventDoc] = {
    "inquiry.created": EventDoc(
        "An inquiry was received",
        "A citizen, staff member or machine client submitted an inquiry (any channel).",
        InquiryCreated,
    ),
    "inquiry.status_changed": EventDoc(
        "An inquiry changed state",
        "Every workflow step that changes the status (assign, resolve, reopen, close …).",
        InquiryStatusChanged,
    ),
    "inquiry.transferred": EventDoc(
        "An inquiry moved to another organization",
        "Sent with the new owner as the event's organization.",
        InquiryTransferred,
    ),
    "inquiry.resolved": EventDoc(
        "An inquiry was resolved", "The resolution was sent to the citizen.", InquiryResolved
    ),
    "inquiry.replied": EventDoc(
        "Staff replied publicly on an inquiry",
        "A public reply (visible to the citizen) was added to the timeline.",
        InquiryReplied,
    ),
    "inquiry.sla_breached": EventDoc(
        "An inquiry passed an SLA target",
        "Once per target (first response, resolution) whose due time passed.",
        InquirySlaBreached,
    ),
    "inquiry.survey_submitted": EventDoc(
        "A citizen rated an inquiry", "The satisfaction survey (1–5).", InquirySurveySubmitted
    ),
    **{
        f"campaign.{state}": EventDoc(
            f"A campaign was {state}", f"The campaign's workflow: {state}.", CampaignData
        )
        for state in ("submitted", "approved", "rejected", "cancelled", "completed", "reopened")
    },
    **{
        f"campaign.flight.{what}": EventDoc(
            f"A campaign flight was {what}",
            "An approved campaign's flight (a calendar entry of kind campaign_flight); a "
            "cancelled one carries only its ids.",
            FlightData,
        )
        for what in ("scheduled", "changed", "cancelled")
    },
    "initiative.created": EventDoc("An initiative was created", "", InitiativeData),
    "initiative.status_changed": EventDoc(
        "An initiative changed status", "With `from_status`.", InitiativeData
    ),
    "milestone.completed": EventDoc("A milestone was completed", "", MilestoneData),
    "milestone.overdue": EventDoc(
        "A milestone is overdue", "Once, when its due date has passed.", MilestoneData
    ),
    **{
        f"key_message.version_{state}": EventDoc(
            f"A key message version was {state}", "", KeyMessageVersionData
        )
        for state in ("approved", "retired")
    },
    **{
        f"kpi.value_{state}": EventDoc(f"A KPI value was {state}", "", KpiValueData)
        for state in ("submitted", "verified", "rejected")
    },
    **{
        f"report.{state}": EventDoc(f"A report was {state}", "", ReportData)
        for state in ("submitted", "accepted", "returned")
    },
    "crisis.activated": EventDoc(
        "A crisis playbook was activated",
        "Inquiries of its scope are tagged; with `suspend_calendar` the calendar suspends the "
        "scope's approved entries until the close.",
        CrisisActivated,
    ),
    "crisis.closed": EventDoc(
        "A crisis activation was closed",
        "Tagging stops; the calendar lifts the activation's suspension.",
        CrisisClosed,
    ),
    **{
        f"calendar.entry.{state}": EventDoc(
            f"A calendar entry was {state}", f"The unified calendar: {state}.", CalendarEntryData
        )
        for state in (
            "submitted",
            "approved",
            "rejected",
            "changed",
            "cancelled",
            "suspended",
            "resumed",
        )
    },
    "calendar.occasion.days_changed": EventDoc(
        "An occasion's days off changed",
        "Its computed dates, or a moon-sighting confirmation moved them.",
        OccasionDaysChanged,
    ),
    "webhook.disabled": EventDoc(
        "A webhook subscription was disabled",
        "Its deliveries failed without a success for a day; re-enable it with "
        '`PATCH /v1/webhooks/{id}` `{"active": true}`.',
        WebhookDisabled,
    ),
}
