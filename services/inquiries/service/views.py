"""How rows are shown: staff views, the citizen's tracking view, receipts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from services.common import highlight
from services.common.attachments.schemas import AttachmentRef
from services.common.responses import json_id
from services.inquiries.domain import sla
from services.inquiries.domain.states import allowed_actions
from services.inquiries.models import (
    Category,
    Event,
    Inquiry,
    InquiryLike,
    Message,
    SlaPolicy,
    Survey,
)
from services.inquiries.schemas.catalog import CategoryOut, SlaPolicyOut
from services.inquiries.schemas.inquiries import (
    EventOut,
    InquiryOut,
    InquiryReceipt,
    Kind,
    MessageOut,
    Priority,
    Visibility,
)
from services.inquiries.schemas.tracking import (
    SurveyOut,
    TrackedOrganization,
    TrackingMessage,
    TrackingOut,
)


def tracking_path(reference: str) -> str:
    return f"/v1/inquiries/track/{reference}"


def receipt(inquiry: InquiryLike, token: str, attachment_ids: Sequence[Any] = ()) -> InquiryReceipt:
    return InquiryReceipt(
        attachment_ids=list(attachment_ids),
        id=inquiry.id,
        reference=inquiry.reference,
        tracking_token=token,
        tracking_url=tracking_path(inquiry.reference),
        status=inquiry.status,
        kind=Kind(inquiry.kind),
        priority=Priority(inquiry.priority),
        channel=inquiry.channel,
        organization_id=inquiry.organization_id,
        category_id=inquiry.category_id,
        first_response_due=inquiry.first_response_due,
        resolution_due=inquiry.resolution_due,
        created_at=inquiry.created_at,
        updated_at=inquiry.updated_at,
    )


def _contact(inquiry: Any) -> dict[str, Any] | None:
    if not (inquiry.contact_name or inquiry.contact_phone or inquiry.contact_email):
        return None
    return {
        "name": inquiry.contact_name,
        "phone": inquiry.contact_phone,
        "email": inquiry.contact_email,
    }


def _location(inquiry: Any) -> dict[str, Any] | None:
    if (
        inquiry.location_lat is None
        and inquiry.location_long is None
        and not (inquiry.location_address)
    ):
        return None
    return {
        "lat": inquiry.location_lat,
        "long": inquiry.location_long,
        "address": inquiry.location_address,
    }


def staff_fields(inquiry: Any, now: datetime, *, with_contact: bool = True) -> dict[str, Any]:
    """The fields of `InquiryOut`, from an `Inquiry` or a row of `repository.VIEW_COLUMNS`.

    Reads encode this straight to JSON (`common.responses.json_response`): the values
    come from typed columns and are already what the schema allows, so validating them
    again per row would only cost time (tests check that the two agree). `with_contact`
    is False only for a caller outside the owning subtree (after it transferred the
    inquiry away)."""
    return {
        "id": json_id(inquiry.id),
        "reference": inquiry.reference,
        "kind": inquiry.kind,
        "status": inquiry.status,
        "allowed_actions": allowed_actions(inquiry.status),
        "priority": inquiry.priority,
        "channel": inquiry.channel,
        "channel_id": json_id(inquiry.channel_id),
        "organization_id": json_id(inquiry.organization_id),
        "category_id": json_id(inquiry.category_id),
        "subject": inquiry.subject,
        "body": inquiry.body,
        "contact": _contact(inquiry) if with_contact else None,
        "location": _location(inquiry),
        "outlet": inquiry.outlet,
        "deadline": inquiry.deadline,
        "assignee_id": json_id(inquiry.assignee_id),
        "assigned_at": inquiry.assigned_at,
        "resolution": inquiry.resolution,
        "resolved_at": inquiry.resolved_at,
        "closed_at": inquiry.closed_at,
        "rejection_reason": inquiry.rejection_reason,
        "duplicate_of": json_id(inquiry.duplicate_of),
        "transfer_count": inquiry.transfer_count,
        "tags": list(inquiry.tags or ()),
        "sla_state": sla.sla_state(inquiry, now),
        "sla_policy_id": json_id(inquiry.sla_policy_id),
        "first_response_target_minutes": inquiry.first_response_target_minutes,
        "resolution_target_minutes": inquiry.resolution_target_minutes,
        "first_response_due": inquiry.first_response_due,
        "first_response_at": inquiry.first_response_at,
        "resolution_due": inquiry.resolution_due,
        "paused_minutes": inquiry.paused_minutes,
        "created_by_type": inquiry.created_by_type,
        "created_at": inquiry.created_at,
        "updated_at": inquiry.updated_at,
    }


def staff_view(inquiry: Any, now: datetime, *, with_contact: bool = True) -> InquiryOut:
    return InquiryOut.model_validate(staff_fields(inquiry, now, with_contact=with_contact))


def staff_page(rows: Sequence[Any], now: datetime, next_cursor: str | None) -> dict[str, Any]:
    """A `Page[InquiryOut]` of rows, unvalidated (see `staff_fields`)."""
    return {"items": [staff_fields(r, now) for r in rows], "next_cursor": next_cursor}


HIGHLIGHTED = ("subject", "body")


def search_page(
    rows: Sequence[Any],
    now: datetime,
    next_cursor: str | None,
    *,
    corrected_q: str | None = None,
    matcher: highlight.Matcher | None = None,
) -> dict[str, Any]:
    """A `SearchPage[InquiryHit]` of rows, unvalidated; with a `matcher`, each item's
    `highlights` of its subject and body."""
    items = [staff_fields(r, now) for r in rows]
    if matcher is not None:
        for item, row in zip(items, rows, strict=True):
            item["highlights"] = highlight.highlights(row, HIGHLIGHTED, matcher)
    page: dict[str, Any] = {"items": items, "next_cursor": next_cursor}
    if corrected_q is not None:
        page["corrected_q"] = corrected_q
    return page


def message_view(message: Message, attachments: Sequence[AttachmentRef] = ()) -> MessageOut:
    return MessageOut(
        attachments=list(attachments),
        id=message.id,
        inquiry_id=message.inquiry_id,
        visibility=Visibility(message.visibility),
        author_type=message.author_type,
        author_id=message.author_id,
        body=message.body,
        created_at=message.created_at,
        updated_at=message.updated_at,
    )


def event_view(event: Event) -> EventOut:
    return EventOut(
        id=event.id,
        inquiry_id=event.inquiry_id,
        action=event.action,
        from_status=event.from_status,
        to_status=event.to_status,
        actor_type=event.actor_type,
        actor_id=event.actor_id,
        organization_id=event.organization_id,
        details=dict(event.details),
        created_at=event.created_at,
        updated_at=event.updated_at,
    )


def tracking_view(
    inquiry: Inquiry,
    organization: dict[str, Any],
    messages: list[Message],
    survey: Survey | None,
    survey_open: bool,
    attachments: Mapping[Any, Sequence[AttachmentRef]] | None = None,
) -> TrackingOut:
    files = attachments or {}
    return TrackingOut(
        reference=inquiry.reference,
        inquiry_id=inquiry.id,
        kind=Kind(inquiry.kind),
        status=inquiry.status,
        subject=inquiry.subject,
        organization=TrackedOrganization(
            id=organization["id"],
            name_ar=organization["name_ar"],
            name_en=organization["name_en"],
        ),
        created_at=inquiry.created_at,
        updated_at=inquiry.updated_at,
        resolution_due=inquiry.resolution_due,
        resolution=inquiry.resolution,
        resolved_at=inquiry.resolved_at,
        closed_at=inquiry.closed_at,
        rejection_reason=inquiry.rejection_reason,
        messages=[
            TrackingMessage(
                author="citizen" if m.author_type == "citizen" else "staff",
                body=m.body,
                attachments=list(files.get(m.id, ())),
                created_at=m.created_at,
            )
            for m in messages
            if m.visibility == "public"
        ],
        attachments=list(files.get(inquiry.id, ())),
        survey_open=survey_open,
        survey_submitted=survey is not None,
    )


def survey_view(survey: Survey) -> SurveyOut:
    return SurveyOut(
        id=survey.id,
        inquiry_id=survey.inquiry_id,
        rating=survey.rating,
        comment=survey.comment,
        created_at=survey.created_at,
        updated_at=survey.updated_at,
    )


def category_view(category: Category) -> CategoryOut:
    return CategoryOut.model_validate(category, from_attributes=True)


def policy_view(policy: SlaPolicy) -> SlaPolicyOut:
    return SlaPolicyOut.model_validate(policy, from_attributes=True)
