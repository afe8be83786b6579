"""The workflow actions: assign, transfer, resolve, reopen, close, reject.

Each is a move of the state machine (`services/inquiries/domain/states.py`); a move the table
does not allow in the current state answers 409 `invalid_state`. Every action honours
`If-Match`, is audited, recorded in the history and emits `inquiry.status_changed` when the
state changes.
"""

from __future__ import annotations

import uuid

from fastapi import Response

from services.common.app import new_router
from services.common.auth import PrincipalDep
from services.common.db import SessionDep
from services.inquiries import clock
from services.inquiries.api.deps import PreconditionDep, etag, problems
from services.inquiries.schemas.inquiries import (
    AssignIn,
    CloseIn,
    InquiryOut,
    ReasonIn,
    RejectIn,
    ResolveIn,
    TransferIn,
)
from services.inquiries.service import views
from services.inquiries.service import workflow as service_workflow

router = new_router(prefix="/v1/inquiries", tags=["inquiry workflow"])
ACTION_PROBLEMS = problems(401, 403, 404, 409, 412, 415, 422)


@router.post(
    "/{inquiry_id}/assign",
    summary="Assign",
    description="To an active staff member of the owning organization or below it. Needs "
    "`inquiries:assign`, except to take an inquiry oneself. new → assigned; re-assigning "
    "keeps the state.",
    responses=ACTION_PROBLEMS,
)
async def assign(
    inquiry_id: uuid.UUID,
    body: AssignIn,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> InquiryOut:
    inquiry = await service_workflow.assign(session, principal, inquiry_id, body, check)
    etag(response, inquiry)
    return views.staff_view(inquiry, clock.now())


@router.post(
    "/{inquiry_id}/transfer",
    summary="Transfer to another organization",
    description="""Moves an open inquiry to another organization of the hub (S4-2), with a
reason kept in the history; it becomes `new` and unassigned there. Needs `inquiries:assign`.

**SLA after a transfer**: the clock keeps running from the inquiry's creation — the citizen
has been waiting all along — and is not restarted. The targets become those of the
receiving organization's policies (for the kind, priority and category), and both due
times are recomputed in the receiving organization's business calendar (time zone, work
week, hours, holidays); time already spent awaiting the citizen stays excluded. The
category is kept when it also applies to the receiving organization, else cleared (or
replaced by `category_id`).

Contact details are left out of the answer when the caller no longer sees the inquiry.""",
    responses=ACTION_PROBLEMS,
)
async def transfer(
    inquiry_id: uuid.UUID,
    body: TransferIn,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> InquiryOut:
    inquiry, visible = await service_workflow.transfer(session, principal, inquiry_id, body, check)
    etag(response, inquiry)
    return views.staff_view(inquiry, clock.now(), with_contact=visible)


@router.post(
    "/{inquiry_id}/resolve",
    summary="Resolve",
    description="assigned | in_progress | awaiting_citizen → resolved. The resolution text is "
    "shown to the citizen (and added to the timeline); it counts as the first response if "
    "none was sent. Opens the satisfaction survey and emits `inquiry.resolved`.",
    responses=ACTION_PROBLEMS,
)
async def resolve(
    inquiry_id: uuid.UUID,
    body: ResolveIn,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> InquiryOut:
    inquiry = await service_workflow.resolve(session, principal, inquiry_id, body, check)
    etag(response, inquiry)
    return views.staff_view(inquiry, clock.now())


@router.post(
    "/{inquiry_id}/reopen",
    summary="Reopen",
    description="resolved | rejected → in_progress, with a reason (internal note). The "
    "resolution clock resumes from where it was: no new targets.",
    responses=ACTION_PROBLEMS,
)
async def reopen(
    inquiry_id: uuid.UUID,
    body: ReasonIn,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> InquiryOut:
    inquiry = await service_workflow.reopen(session, principal, inquiry_id, body, check)
    etag(response, inquiry)
    return views.staff_view(inquiry, clock.now())


@router.post(
    "/{inquiry_id}/close",
    summary="Close",
    description="resolved → closed. The survey stays open for its window.",
    responses=ACTION_PROBLEMS,
)
async def close(
    inquiry_id: uuid.UUID,
    body: CloseIn,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> InquiryOut:
    inquiry = await service_workflow.close(session, principal, inquiry_id, body, check)
    etag(response, inquiry)
    return views.staff_view(inquiry, clock.now())


@router.post(
    "/{inquiry_id}/reject",
    summary="Reject",
    description="Any open state → rejected, with a reason shown to the citizen; for a "
    "duplicate, name the original in `duplicate_of`. The SLA clock stops.",
    responses=ACTION_PROBLEMS,
)
async def reject(
    inquiry_id: uuid.UUID,
    body: RejectIn,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> InquiryOut:
    inquiry = await service_workflow.reject(session, principal, inquiry_id, body, check)
    etag(response, inquiry)
    return views.staff_view(inquiry, clock.now())
