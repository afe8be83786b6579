"""Request and response bodies of the inquiries, their timeline and their workflow."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, AwareDatetime, ConfigDict, EmailStr, Field

from services.common.attachments.references import AttachmentIds
from services.common.attachments.schemas import AttachmentRef
from services.common.i18n import text
from services.inquiries.schemas.common import Schema


class Kind(StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    COMPLIMENT = "compliment"
    REQUEST = "request"
    MEDIA_REQUEST = "media_request"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"
    STOPPED = "stopped"


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000; everything else is stored exactly as sent
    if "\x00" in value:
        raise ValueError(text("النص يحوي المحرف NUL", "The text contains a NUL character"))
    return value


def _e164(value: str) -> str:
    message = text(
        "رقم الهاتف غير صالح؛ المطلوب صيغة E.164 مثل ‎+966501234567",
        "Invalid phone number; E.164 expected, e.g. +966501234567",
    )
    if not value.strip().startswith("+"):
        raise ValueError(message)
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(message) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(message)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _text(max_length: int) -> object:
    return Field(min_length=1, max_length=max_length)


NoNul = AfterValidator(_no_nul)
Name = Annotated[str, _text(200), NoNul]
Subject = Annotated[str, _text(300), NoNul]
Address = Annotated[str, _text(500), NoNul]
Reason = Annotated[str, _text(2000), NoNul]
LongText = Annotated[str, _text(20000), NoNul]
Phone = Annotated[str, Field(max_length=30), AfterValidator(_e164)]


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(
        None, description="Name of the citizen or journalist.", examples=["محمد عبدالله"]
    )
    phone: Phone | None = Field(
        None, description="Phone number in E.164.", examples=["+966501234567"]
    )
    email: EmailStr | None = Field(
        None, description="E-mail address.", examples=["citizen@example.sa"]
    )


class Contact(Schema):
    name: str | None = Field(
        None, description="Name of the citizen or journalist.", examples=["محمد عبدالله"]
    )
    phone: str | None = Field(
        None, description="Phone number in E.164.", examples=["+966501234567"]
    )
    email: str | None = Field(None, description="E-mail address.")


class Location(Schema):
    model_config = ConfigDict(extra="forbid")

    lat: float | None = Field(
        None, ge=-90, le=90, description="Latitude (WGS 84).", examples=[24.7136]
    )
    long: float | None = Field(
        None, ge=-180, le=180, description="Longitude (WGS 84).", examples=[46.6753]
    )
    address: Address | None = Field(
        None, description="Street address or landmark.", examples=["حي النزهة، الرياض"]
    )


_ID: Any = {"type": "string", "format": "uuid"}  # not null


class InquiryCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # routing needs one of them (422 on `organization_id` otherwise)
            "anyOf": [
                {"required": ["organization_id"], "properties": {"organization_id": _ID}},
                {"required": ["category_id"], "properties": {"category_id": _ID}},
            ],
            # a media request names its outlet, deadline and a way to reach the journalist;
            # nothing else carries an outlet or a deadline (`_check_media_fields`)
            "if": {"required": ["kind"], "properties": {"kind": {"const": "media_request"}}},
            "then": {
                "required": ["outlet", "deadline", "contact"],
                "properties": {
                    "outlet": {"type": "string"},
                    "deadline": {"type": "string"},
                    "contact": {
                        "type": "object",
                        "anyOf": [
                            {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
                            {"required": ["email"], "properties": {"email": {"type": "string"}}},
                        ],
                    },
                },
            },
            "else": {"properties": {"outlet": {"type": "null"}, "deadline": {"type": "null"}}},
            "examples": [
                {
                    "kind": "complaint",
                    "channel": "website",
                    "subject": "تسرب مياه في شارع الملك فهد",
                    "body": "يوجد تسرب مياه مستمر منذ ثلاثة أيام أمام المنزل رقم ١٢.",
                    "category_id": "0b9c4c1e-8f7a-4a3b-9a51-2f4f1c1d9e10",
                    "contact": {"name": "محمد عبدالله", "phone": "+966501234567"},
                    "location": {"lat": 24.7136, "long": 46.6753, "address": "حي النزهة"},
                },
                {
                    "kind": "media_request",
                    "channel": "email",
                    "subject": "استفسار صحفي عن مشروع تصريف السيول",
                    "body": "نرجو تزويدنا بنسبة الإنجاز وموعد التسليم المتوقع.",
                    "organization_id": "6f1e2d3c-4b5a-4978-8877-665544332211",
                    "outlet": "صحيفة الرياض",
                    "deadline": "2026-11-24T12:00:00+03:00",
                    "contact": {"name": "سارة القحطاني", "email": "sara@alriyadh.example"},
                },
            ],
        },
    )

    kind: Kind = Field(
        description="What the citizen sends: a question, complaint, suggestion, "
        "compliment, request, or a journalist's media request."
    )
    channel: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        description="Where it arrived: the kind of one of the routed organization's active "
        "intake channels (`website`, `app`, `whatsapp`, `phone`, `majlis`, `field_visit` …; "
        "found in the organization or the nearest ancestor that registers it) or a channel id.",
        examples=["whatsapp"],
    )
    subject: Subject = Field(
        description="Short title, stored exactly as sent.",
        examples=["تسرب مياه في شارع الملك فهد"],
    )
    body: LongText = Field(
        description="The citizen's text, stored exactly as sent (Arabic, emoji, markup).",
        examples=["يوجد تسرب مياه مستمر منذ ثلاثة أيام أمام المنزل رقم ١٢."],
    )
    category_id: uuid.UUID | None = Field(
        None,
        description="Category; when no organization is named it routes the inquiry. "
        "Anonymous callers may use public categories only.",
    )
    organization_id: uuid.UUID | None = Field(
        None,
        description="The responsible organization. With a category it must lie in the "
        "category's organization subtree; without one, that organization's intake default "
        "category applies when it has one.",
    )
    priority: Priority | None = Field(
        None,
        description="Set by staff and machine clients (ignored for anonymous callers); "
        "default `normal`, `high` for media requests.",
    )
    contact: ContactIn | None = Field(
        None,
        description="How to reach the citizen; seen only by staff of the owning "
        "organization's subtree. Required (with a phone or an e-mail) for media requests.",
    )
    location: Location | None = Field(None, description="Where the issue is (Open311 maps it).")
    outlet: Name | None = Field(
        None,
        description="Media requests: the newspaper, channel or site of the journalist.",
        examples=["صحيفة الرياض"],
    )
    deadline: AwareDatetime | None = Field(
        None,
        description="Media requests: when the journalist needs the answer (RFC 3339, in "
        "the future). Both due times are capped at it.",
        examples=["2026-11-24T12:00:00+03:00"],
    )
    attachment_ids: AttachmentIds = Field(default_factory=list)


class InquiryReceipt(Schema):
    """What the sender gets back once: keep `tracking_token`, it is never shown again."""

    id: uuid.UUID
    reference: str = Field(
        description="Human-friendly reference, unique per year.", examples=["INQ-2026-000123"]
    )
    tracking_token: str = Field(
        description="Secret for `GET /v1/inquiries/track/{reference}` (header "
        "`X-Tracking-Token`) and the survey. Shown only in this response; stored hashed."
    )
    tracking_url: str = Field(
        description="Path of the citizen's tracking view.",
        examples=["/v1/inquiries/track/INQ-2026-000123"],
    )
    status: str = Field(examples=["new"])
    kind: Kind
    priority: Priority
    channel: str = Field(examples=["whatsapp"])
    organization_id: uuid.UUID = Field(description="Where routing sent it.")
    category_id: uuid.UUID | None
    first_response_due: datetime = Field(description="First public reply due (business time).")
    resolution_due: datetime = Field(description="Resolution due (business time).")
    attachment_ids: list[uuid.UUID] = Field(
        default_factory=list, description="The attachments it now owns (on its public timeline)."
    )
    created_at: datetime
    updated_at: datetime


class InquiryOut(Schema):
    """An inquiry as staff of its organization's subtree see it."""

    id: uuid.UUID
    reference: str = Field(examples=["INQ-2026-000123"])
    kind: Kind
    status: str = Field(
        description="new, assigned, in_progress, awaiting_citizen, resolved, closed or rejected.",
        examples=["in_progress"],
    )
    allowed_actions: list[str] = Field(description="Workflow actions allowed in this state.")
    priority: Priority
    channel: str = Field(examples=["whatsapp"])
    channel_id: uuid.UUID | None = Field(description="The directory channel it resolved to.")
    organization_id: uuid.UUID
    category_id: uuid.UUID | None
    subject: str = Field(examples=["تسرب مياه في شارع الملك فهد"])
    body: str
    contact: Contact | None = Field(description="Only for staff of the owning subtree.")
    location: Location | None
    outlet: str | None = Field(examples=["صحيفة الرياض"])
    deadline: datetime | None
    assignee_id: uuid.UUID | None
    assigned_at: datetime | None
    resolution: str | None = Field(description="The answer given on resolution (public).")
    resolved_at: datetime | None
    closed_at: datetime | None
    rejection_reason: str | None
    duplicate_of: uuid.UUID | None
    transfer_count: int
    tags: list[str] = Field(
        default_factory=list,
        description="Labels added after intake, e.g. `crisis:<activation id>` while a crisis "
        "playbook is active for its organization.",
        examples=[["crisis:6f1c2d3e-4b5a-4978-8695-a4b3c2d1e0f9"]],
    )
    sla_state: SlaState = Field(
        description="on_track, at_risk (≥ 80 % of the running target "
        "elapsed), breached, paused (awaiting the citizen), met, "
        "missed, or stopped (rejected)."
    )
    sla_policy_id: uuid.UUID | None = Field(description="The policy used; null = defaults.")
    first_response_target_minutes: int = Field(description="Target in business minutes.")
    resolution_target_minutes: int = Field(description="Target in business minutes.")
    first_response_due: datetime
    first_response_at: datetime | None
    resolution_due: datetime
    paused_minutes: int = Field(description="Business minutes spent awaiting the citizen.")
    created_by_type: str = Field(description="anonymous, user or client.")
    created_at: datetime
    updated_at: datetime


class InquiryHit(InquiryOut):
    """An inquiry of a list; with `highlight=true` and `q`, the matching fragments."""

    highlights: dict[str, list[str]] | None = Field(
        None,
        description="With `highlight=true` and `q`: for each text field that matches "
        "(`subject`, `body`), up to 3 fragments around the matches, HTML-escaped, every "
        "matched word in `<mark>…</mark>` (the only markup). — المقاطع المطابقة.",
        examples=[{"subject": ["<mark>تسرب</mark> <mark>مياه</mark> في شارع الملك فهد"]}],
    )


class InquiryPatch(Schema):
    """Corrections by staff. The kind cannot become or stop being a media request."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"priority": "urgent", "subject": "تسرب مياه كبير"}]},
    )

    kind: Kind | None = Field(None, description="Re-classify (re-computes the SLA).")
    priority: Priority | None = Field(None, description="Re-prioritize (re-computes the SLA).")
    category_id: uuid.UUID | None = Field(
        None,
        description="Re-categorize (null clears it); does not move the inquiry — use "
        "`/transfer` for that.",
    )
    subject: Subject | None = Field(
        None, description="Fix the subject.", examples=["تسرب مياه في شارع الملك فهد"]
    )


class MessageCreate(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"visibility": "public", "body": "نعتذر عن الإزعاج، سيزور فريقنا الموقع غداً."},
                {"visibility": "internal", "body": "تم التنسيق مع شركة المياه الوطنية."},
                {
                    "visibility": "public",
                    "body": "نرجو تزويدنا برقم العداد.",
                    "await_citizen": True,
                },
            ]
        },
    )

    visibility: Visibility = Field(
        description="`public`: a reply the citizen sees (the first one sets "
        "`first_response_at`); `internal`: a note for staff only."
    )
    body: LongText = Field(description="The text, stored exactly as sent.")
    await_citizen: bool = Field(
        False,
        description="Public replies only: ask the citizen for information and move to "
        "`awaiting_citizen` (the SLA clock pauses until the citizen answers).",
    )
    attachment_ids: AttachmentIds = Field(default_factory=list)


class MessageOut(Schema):
    id: uuid.UUID
    inquiry_id: uuid.UUID
    visibility: Visibility
    author_type: str = Field(description="staff, citizen or system.")
    author_id: str | None = Field(description="The staff member or client (staff only).")
    body: str = Field(examples=["نعتذر عن الإزعاج، سيزور فريقنا الموقع غداً."])
    attachments: list[AttachmentRef] = Field(
        default_factory=list,
        description="Files it cites (a public reply's are shown to the citizen too).",
    )
    created_at: datetime
    updated_at: datetime


class EventOut(Schema):
    """One step of an inquiry's history."""

    id: uuid.UUID
    inquiry_id: uuid.UUID
    action: str = Field(examples=["transfer"])
    from_status: str | None
    to_status: str
    actor_type: str = Field(description="anonymous, user, client, citizen or system.")
    actor_id: str | None
    organization_id: uuid.UUID = Field(
        description="The owning organization when the step was taken (a transfer names its "
        "target in `details`)."
    )
    details: dict[str, object]
    created_at: datetime
    updated_at: datetime


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")
    assignee_id: uuid.UUID = Field(
        description="An active staff member of the owning organization or below it."
    )


class TransferIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "6f1e2d3c-4b5a-4978-8877-665544332211",
                    "reason": "الموقع يتبع نطاق بلدية العليا",
                }
            ]
        },
    )
    organization_id: uuid.UUID = Field(description="The organization that takes it over.")
    reason: Reason = Field(description="Why; recorded in the history.")
    category_id: uuid.UUID | None = Field(
        None, description="Optionally re-categorize in the receiving organization."
    )


class ResolveIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"resolution": "تم إصلاح التسرب بالتنسيق مع شركة المياه."}]
        },
    )
    resolution: LongText = Field(
        description="The answer, shown to the citizen (also added to the timeline)."
    )


class ReasonIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reason: Reason = Field(description="Why.", examples=["المواطن أفاد بعودة المشكلة"])


class CloseIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: Reason | None = Field(None, description="Optional closing note (internal).")


class RejectIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "مكرر", "duplicate_of": "0b9c4c1e-8f7a-4a3b-9a51-2f4f1c1d9e10"}]
        },
    )
    reason: Reason = Field(description="Why, shown to the citizen.")
    duplicate_of: uuid.UUID | None = Field(
        None, description="The inquiry this one duplicates (visible to you, not itself)."
    )


class SimilarOut(Schema):
    id: uuid.UUID
    reference: str
    subject: str
    status: str
    created_at: datetime
    score: float = Field(description="Trigram similarity 0–1 of the normalized texts.")
