"""The citizen's side: the tracking view, the citizen's messages and the survey.

The tracking token is the only credential: a wrong token and an unknown reference both
answer 404, so references cannot be probed.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit
from services.common.outbox import emit
from services.inquiries import clock
from services.inquiries.domain import sla
from services.inquiries.domain.states import Action, Status
from services.inquiries.errors import (
    InquiryNotFound,
    SurveyAlreadySubmitted,
    SurveyClosed,
    SurveyNotOpen,
    TrackingTokenRequired,
)
from services.inquiries.models import Inquiry, Message, Survey
from services.inquiries.repository import inquiries as repository
from services.inquiries.schemas.tracking import CitizenMessageIn, SurveyIn, TrackingOut
from services.inquiries.service import attachments, views
from services.inquiries.service import sla as sla_service
from services.inquiries.service.inquiries import SERVICE, event_payload, token_matches
from services.inquiries.service.workflow import add_message, settle, transition


def _checked(inquiry: Inquiry | None, token: str | None) -> Inquiry:
    if not token:
        raise TrackingTokenRequired()
    if inquiry is None or not token_matches(inquiry, token):
        raise InquiryNotFound()
    return inquiry


def survey_is_open(inquiry: Inquiry, survey_days: int) -> bool:
    closes = sla.survey_closes_at(inquiry, survey_days)
    return (
        inquiry.status in (Status.RESOLVED, Status.CLOSED)
        and closes is not None
        and clock.now() <= closes
    )


async def track(
    session: AsyncSession, reference: str, token: str | None, survey_days: int
) -> TrackingOut:
    inquiry = _checked(await repository.get_by_reference(session, reference), token)
    organization = await repository.organization_row(session, inquiry.organization_id)
    if organization is None:  # the directory lost the organization: show no name
        organization = {"id": inquiry.organization_id, "name_ar": "", "name_en": None}
    messages = await repository.public_messages(session, inquiry.id)
    survey = await repository.survey_of(session, inquiry.id)
    is_open = survey is None and survey_is_open(inquiry, survey_days)
    files = await attachments.refs_by_owner(
        session, [inquiry.id, *(m.id for m in messages if m.visibility == "public")]
    )
    return views.tracking_view(inquiry, organization, messages, survey, is_open, files)


async def citizen_message(
    session: AsyncSession, reference: str, token: str | None, body: CitizenMessageIn
) -> Message:
    """The citizen answers: awaiting_citizen goes back to in_progress (the clock resumes)."""
    inquiry = _checked(await repository.get_by_reference(session, reference, lock=True), token)
    message = await add_citizen_message(session, inquiry, body.body)
    await attachments.attach_to_message(session, body.attachment_ids, None, message, inquiry)
    return message


async def add_citizen_message(session: AsyncSession, inquiry: Inquiry, text: str) -> Message:
    """A message of the citizen on a locked inquiry (the tracking page, or a channel such as
    WhatsApp that knows the citizen by their number)."""
    calendar = await sla_service.calendar_for(session, inquiry.organization_id)
    now = clock.now()
    message = add_message(session, inquiry, "public", "citizen", None, text, now)
    await transition(
        session,
        inquiry,
        Action.CITIZEN_REPLY,
        principal=None,
        actor_type="citizen",
        calendar=calendar,
        now=now,
        details={"message_id": str(message.id)},
    )
    await settle(session, inquiry, calendar, now)
    return message


async def submit_survey(
    session: AsyncSession,
    inquiry_id: uuid.UUID,
    token: str | None,
    body: SurveyIn,
    survey_days: int,
) -> Survey:
    """One rating 1–5 per inquiry, after resolution, within `survey_days` of it."""
    inquiry = _checked(await repository.get(session, inquiry_id, lock=True), token)
    if inquiry.status not in (Status.RESOLVED, Status.CLOSED) or inquiry.resolved_at is None:
        raise SurveyNotOpen()
    if await repository.survey_of(session, inquiry.id) is not None:
        raise SurveyAlreadySubmitted()
    if not survey_is_open(inquiry, survey_days):
        raise SurveyClosed(survey_days)
    now = clock.now()
    survey = Survey(
        id=uuid.uuid4(),
        inquiry_id=inquiry.id,
        rating=body.rating,
        comment=body.comment,
        created_at=now,
        updated_at=now,
    )
    await repository.add(session, survey)
    await audit.record(
        session,
        service=SERVICE,
        principal=None,
        action="survey",
        resource_type="inquiry",
        resource_id=inquiry.id,
        organization_id=inquiry.organization_id,
        changes={"rating": body.rating},
    )
    await emit(
        session,
        "inquiry.survey_submitted",
        aggregate_type="inquiry",
        aggregate_id=inquiry.id,
        payload=event_payload(inquiry, rating=body.rating),
        organization_id=inquiry.organization_id,
    )
    return survey
