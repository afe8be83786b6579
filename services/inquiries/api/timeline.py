"""`/v1/inquiries/{id}/messages`, `/history` and `/similar`: what staff see around one."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from services.common.app import new_router
from services.common.auth import PrincipalDep
from services.common.db import SessionDep
from services.common.pagination import Page, PageDep
from services.inquiries.api.deps import problems
from services.inquiries.schemas.inquiries import EventOut, MessageCreate, MessageOut, SimilarOut
from services.inquiries.schemas.tracking import SurveyOut
from services.inquiries.service import attachments, views
from services.inquiries.service import inquiries as service
from services.inquiries.service import timeline as service_timeline
from services.inquiries.service import workflow as service_workflow

router = new_router(prefix="/v1/inquiries", tags=["inquiry timeline"])


@router.get(
    "/{inquiry_id}/messages",
    summary="Read the timeline",
    description="Public replies, internal notes and the citizen's messages, oldest first, "
    "with their author.",
    responses=problems(400, 401, 403, 404, 422),
)
async def list_messages(
    inquiry_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, page: PageDep
) -> Page[MessageOut]:
    rows, cursor = await service_timeline.list_messages(session, principal, inquiry_id, page)
    files = await attachments.refs_by_owner(session, [m.id for m in rows])
    items = [views.message_view(m, files.get(m.id, ())) for m in rows]
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/{inquiry_id}/messages",
    status_code=status.HTTP_201_CREATED,
    summary="Reply publicly or add an internal note",
    description="""`internal`: a note for staff, allowed in every state.

`public`: a reply the citizen sees in the tracking view. The first public reply sets
`first_response_at` (the first-response target is met); a reply moves `new`/`assigned` to
`in_progress`. With `await_citizen: true` the inquiry waits for the citizen
(`awaiting_citizen`) and the SLA clock pauses until the citizen answers. Not allowed on a
closed or rejected inquiry (409).

`attachment_ids` cites files the caller uploaded (`POST /v1/attachments`): a public reply's
are shown to the citizen in the tracking view, an internal note's only to staff (S0-3).""",
    responses=problems(401, 403, 404, 409, 415, 422),
)
async def post_message(
    inquiry_id: uuid.UUID,
    body: MessageCreate,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> MessageOut:
    message = await service_workflow.post_message(session, principal, inquiry_id, body)
    files = await attachments.attach_to_message(session, body.attachment_ids, principal, message)
    response.headers["Location"] = f"/v1/inquiries/{inquiry_id}/messages/{message.id}"
    return views.message_view(message, files)


@router.get(
    "/{inquiry_id}/messages/{message_id}",
    summary="Read one timeline entry",
    description="A public reply, internal note or citizen message of a visible inquiry.",
    responses=problems(401, 403, 404, 422),
)
async def get_message(
    inquiry_id: uuid.UUID, message_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> MessageOut:
    message = await service_timeline.get_message(session, principal, inquiry_id, message_id)
    return views.message_view(message, await attachments.refs_of(session, message.id))


@router.get(
    "/{inquiry_id}/history",
    summary="Read the history",
    description="Every state change, assignment and transfer (with its reason), oldest first.",
    responses=problems(400, 401, 403, 404, 422),
)
async def list_history(
    inquiry_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, page: PageDep
) -> Page[EventOut]:
    rows, cursor = await service_timeline.list_events(session, principal, inquiry_id, page)
    return Page(items=[views.event_view(e) for e in rows], next_cursor=cursor)


@router.get(
    "/{inquiry_id}/similar",
    summary="Likely duplicates",
    description="Up to 10 inquiries of the same organization and category from the last 30 "
    "days whose Arabic-normalized text is similar (pg_trgm similarity ≥ 0.2), best first. "
    "Reject a duplicate with `POST /reject` and `duplicate_of`.",
    responses=problems(401, 403, 404, 422),
)
async def similar_inquiries(
    inquiry_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> Page[SimilarOut]:
    rows = await service.similar_inquiries(session, principal, inquiry_id)
    items = [
        SimilarOut(
            id=i.id,
            reference=i.reference,
            subject=i.subject,
            status=i.status,
            created_at=i.created_at,
            score=round(score, 4),
        )
        for i, score in rows
    ]
    return Page(items=items, next_cursor=None)


@router.get(
    "/{inquiry_id}/survey",
    summary="Read the citizen's rating",
    description="The satisfaction survey of the inquiry, once the citizen answered it.",
    responses=problems(401, 403, 404, 422),
)
async def get_survey(
    inquiry_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> SurveyOut:
    survey = await service_timeline.get_survey(session, principal, inquiry_id)
    return views.survey_view(survey)
