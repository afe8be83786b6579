"""`/v1/calendar/approvals` (what waits for the caller) and `/v1/calendar/approval-policies`."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Request, Response, status

from services.calendar.models import ApprovalPolicy
from services.calendar.schemas.approvals import PolicyCreate, PolicyOut, PolicyUpdate, StepOut
from services.calendar.schemas.common import problems
from services.calendar.schemas.entries import ApprovalItemOut, EntryOut
from services.calendar.service import approvals as service
from services.calendar.service import entries as entry_service
from services.calendar.service.views import describe
from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/calendar", tags=["calendar approvals"])

Reader = Annotated[Principal, require("calendar:read")]
Admin = Annotated[Principal, require("calendar:admin")]


def _policy(policy: ApprovalPolicy, response: Response | None = None) -> PolicyOut:
    if response is not None:
        set_etag(response, policy.id, policy.updated_at)
    return PolicyOut.model_validate(policy, from_attributes=True)


@router.get(
    "/approvals",
    summary="Entries waiting for the caller's decision",
    description="`awaiting=me`: pending entries whose waiting step belongs to the caller's "
    "organization and one of its roles (a sector_admin: every waiting step), leaving out "
    "what the caller wrote or last changed. Oldest first.",
    responses=problems(401, 403, 422),
)
async def awaiting(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    awaiting: Annotated[Literal["me"], Query(description="Only `me` for now.")] = "me",
) -> Page[ApprovalItemOut]:
    steps, cursor = await service.awaiting(session, principal, page)
    items = []
    for step in steps:
        entry = await entry_service.get_readable(session, principal, step.entry_id)
        items.append(
            ApprovalItemOut(
                entry=EntryOut.model_validate(await describe(session, entry, [])),
                step=StepOut.model_validate(step, from_attributes=True),
            )
        )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/approval-policies",
    summary="List approval policies",
    description="Policies of the caller's subtree; `organization_id` narrows to a subtree.",
    responses=problems(401, 403, 422),
)
async def list_policies(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[uuid.UUID | None, Query(description="A subtree.")] = None,
) -> Page[PolicyOut]:
    rows, cursor = await service.list_policies(session, principal, organization_id, page)
    return Page(items=[_policy(p) for p in rows], next_cursor=cursor)


@router.post(
    "/approval-policies",
    status_code=status.HTTP_201_CREATED,
    summary="Create an approval policy",
    description="For the entries of an organization's subtree and a set of kinds: ordered "
    "steps, each naming the level (`own`, `parent`, `ministry`) and the roles that decide. "
    "The nearest organization's policy applies. Honours `Idempotency-Key`.",
    responses=problems(401, 403, 404, 415, 422),
)
async def create_policy(
    body: PolicyCreate, session: SessionDep, principal: Admin, response: Response
) -> PolicyOut:
    policy = await service.create_policy(session, principal, body)
    response.headers["Location"] = f"/v1/calendar/approval-policies/{policy.id}"
    return _policy(policy, response)


@router.get(
    "/approval-policies/{policy_id}",
    summary="Get an approval policy",
    responses=problems(401, 403, 404),
)
async def get_policy(
    policy_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> PolicyOut:
    return _policy(await service.get_policy(session, principal, policy_id), response)


@router.patch(
    "/approval-policies/{policy_id}",
    summary="Change an approval policy",
    description="Entries submitted afterwards follow the new steps. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412, 415, 422),
)
async def update_policy(
    policy_id: uuid.UUID,
    body: PolicyUpdate,
    session: SessionDep,
    principal: Admin,
    request: Request,
    response: Response,
) -> PolicyOut:
    policy = await service.get_policy(session, principal, policy_id)
    check_if_match(request, policy.id, policy.updated_at)
    return _policy(await service.update_policy(session, principal, policy, body), response)
