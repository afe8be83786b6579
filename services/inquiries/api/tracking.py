"""The citizen's endpoints: authenticated by the tracking token alone (`X-Tracking-Token`).

A missing token answers 401; an unknown reference and a wrong token both answer 404.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Response, status

from services.common.app import new_router
from services.common.db import SessionDep
from services.inquiries.api.deps import SettingsDep, TrackingToken, problems
from services.inquiries.schemas.tracking import (
    CitizenMessageIn,
    SurveyIn,
    SurveyOut,
    TrackingMessage,
    TrackingOut,
)
from services.inquiries.service import attachments, tracking, views

router = new_router(prefix="/v1/inquiries", tags=["inquiry tracking"])
Reference = Annotated[str, Path(max_length=40, description="The reference, e.g. INQ-2026-000123.")]


@router.get(
    "/track/{reference}",
    summary="Track an inquiry (citizen)",
    description="Status, the organization handling it, the expected resolution time, public "
    "replies and the citizen's own messages, and whether the survey is open. Never internal "
    "notes, staff names or ids, nor contact details.",
    responses=problems(401, 404, 422),
)
async def track(
    reference: Reference,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    token: TrackingToken = None,
) -> TrackingOut:
    response.headers["Cache-Control"] = "no-store"
    return await tracking.track(session, reference, token, settings.inquiries_survey_days)


@router.post(
    "/track/{reference}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="Answer as the citizen",
    description="Adds the citizen's message to the timeline. An inquiry awaiting the citizen "
    "goes back to in_progress and its SLA clock resumes. Not allowed once closed or rejected "
    "(409). `attachment_ids`: files the citizen uploaded anonymously with `POST "
    "/v1/attachments` (422 `attachment_unavailable` otherwise).",
    responses=problems(401, 404, 409, 415, 422),
)
async def citizen_message(
    reference: Reference,
    body: CitizenMessageIn,
    session: SessionDep,
    response: Response,
    token: TrackingToken = None,
) -> TrackingMessage:
    message = await tracking.citizen_message(session, reference, token, body)
    response.headers["Location"] = views.tracking_path(reference)
    files = await attachments.refs_of(session, message.id) if body.attachment_ids else []
    return TrackingMessage(
        author="citizen", body=message.body, attachments=files, created_at=message.created_at
    )


@router.post(
    "/{inquiry_id}/survey",
    status_code=status.HTTP_201_CREATED,
    summary="Rate a resolved inquiry (citizen)",
    description="Satisfaction 1–5 and an optional comment, with the tracking token; once per "
    "inquiry (409 `survey_already_submitted`), only after resolution (409 `survey_not_open`) "
    "and within `GOVHUB_INQUIRIES_SURVEY_DAYS` days of it (409 `survey_closed`). S0-4.",
    responses=problems(401, 404, 409, 415, 422),
)
async def submit_survey(
    inquiry_id: uuid.UUID,
    body: SurveyIn,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    token: TrackingToken = None,
) -> SurveyOut:
    survey = await tracking.submit_survey(
        session, inquiry_id, token, body, settings.inquiries_survey_days
    )
    response.headers["Location"] = f"/v1/inquiries/{inquiry_id}/survey"
    return views.survey_view(survey)
