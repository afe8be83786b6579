"""The base of every inquiries schema: fields that mean the same everywhere are described
once here; a field's own `description` always wins."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

FIELD_DOCS: dict[str, str] = {
    "id": "Identifier (UUID).",
    "created_at": "When it was created (RFC 3339 with offset).",
    "updated_at": "When it last changed (RFC 3339 with offset).",
    "inquiry_id": "The inquiry.",
    "organization_id": "The organization (a directory id).",
    "category_id": "The inquiry category; null when none.",
    "parent_id": "The parent category (same organization); null at the top.",
    "reference": "Human-friendly reference, unique per year (INQ-<year>-<number>).",
    "status": "Workflow state: new, assigned, in_progress, awaiting_citizen, resolved, closed "
    "or rejected.",
    "kind": "question, complaint, suggestion, compliment, request or media_request.",
    "priority": "low, normal, high or urgent.",
    "channel": "Kind of the channel it arrived through, e.g. `whatsapp`.",
    "subject": "Short title, stored exactly as sent.",
    "body": "The text, stored exactly as sent (Arabic, emoji, markup).",
    "code": "Stable code, unique in its organization (the Open311 `service_code`).",
    "name_ar": "Arabic name.",
    "name_en": "English name.",
    "description_ar": "Arabic description.",
    "description_en": "English description.",
    "public": "Offered to citizens (and as an Open311 service).",
    "intake_default": "Applied to inquiries sent to the organization (or below it) without a "
    "category.",
    "active": "Inactive ones are kept but no longer used for new inquiries.",
    "location": "Where the issue is: latitude, longitude and/or an address.",
    "outlet": "Media requests: the journalist's newspaper, channel or site.",
    "deadline": "Media requests: when the journalist needs the answer.",
    "assignee_id": "The staff member working on it (a directory user id).",
    "assigned_at": "When it was last assigned.",
    "resolution": "The answer given on resolution (shown to the citizen).",
    "resolved_at": "When it was resolved; null while open (and after a reopen).",
    "closed_at": "When it was closed or rejected.",
    "rejection_reason": "Why it was rejected (shown to the citizen).",
    "duplicate_of": "The inquiry it duplicates, when rejected as a duplicate.",
    "transfer_count": "How many times it moved to another organization.",
    "first_response_due": "When the first public reply is due: business time of the owning "
    "organization, pauses added, capped at a media request's deadline.",
    "first_response_at": "When the first public reply (or the resolution) was sent.",
    "resolution_due": "When the resolution is due: business time of the owning organization, "
    "pauses added, capped at a media request's deadline.",
    "rating": "Satisfaction from 1 (poor) to 5 (excellent).",
    "comment": "The citizen's comment.",
    "count": "Number of inquiries.",
    "total": "Number of inquiries.",
    "action": "The workflow action: create, assign, reply, request_info, citizen_reply, "
    "transfer, resolve, reopen, close or reject.",
    "from_status": "State before the step (null on creation).",
    "to_status": "State after the step.",
    "actor_id": "Who took the step (user or client id; null for citizens).",
    "details": "What the step carried: assignee, reason, organizations, message id.",
    "instance": "The request path that failed, when known.",
    "visibility": "`public` (the citizen sees it) or `internal` (staff only).",
    "routing_organization_id": "Where inquiries of this category go when the sender names no "
    "organization; null: the owner.",
    "first_response_minutes": "First public reply within this many business minutes.",
    "resolution_minutes": "Resolution within this many business minutes (≥ first response).",
    "under_1_day": "Created less than a day ago.",
    "days_1_to_3": "Created 1 to 3 days ago.",
    "days_3_to_7": "Created 3 to 7 days ago.",
    "days_7_to_30": "Created 7 to 30 days ago.",
    "over_30_days": "Created more than 30 days ago.",
    "by_status": "Inquiries per state.",
    "by_kind": "Inquiries per kind.",
    "by_channel": "Inquiries per channel kind.",
    "by_priority": "Inquiries per priority.",
    "by_category": "Inquiries per category, most frequent first.",
    "first_response": "The first-response target: median time and compliance.",
    "satisfaction": "Survey results (S0-4).",
    "organization": "The organization handling it now.",
    "survey_submitted": "Whether the citizen already rated it.",
}


class Schema(BaseModel):
    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        documented = False
        for name, info in cls.model_fields.items():
            if info.description is None and name in FIELD_DOCS:
                info.description = FIELD_DOCS[name]
                documented = True
        if documented:
            cls.model_rebuild(force=True)
