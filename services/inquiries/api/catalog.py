"""`/v1/inquiry-categories` and `/v1/sla-policies`: the catalog every inquiry refers to."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from services.common.app import new_router
from services.common.auth import OptionalPrincipalDep, PrincipalDep
from services.common.db import SessionDep
from services.common.pagination import Page, PageDep
from services.inquiries.api.deps import PreconditionDep, etag, problems
from services.inquiries.schemas.catalog import (
    CategoryCreate,
    CategoryOut,
    CategoryPatch,
    SlaPolicyCreate,
    SlaPolicyOut,
    SlaPolicyPatch,
)
from services.inquiries.schemas.inquiries import Kind, Priority
from services.inquiries.service import catalog, views

categories = new_router(prefix="/v1/inquiry-categories", tags=["inquiry categories"])
policies = new_router(prefix="/v1/sla-policies", tags=["sla policies"])


@categories.get(
    "",
    summary="List categories",
    description="Anonymous callers get the public, active categories (the services citizens "
    "choose from; Open311 lists the same). Staff and clients with `inquiries:read` also get "
    "every category of their subtree and of the organizations above them. "
    "`organization_id` keeps the categories that apply to that organization (its own and "
    "its ancestors').",
    responses=problems(400, 401, 403, 422),
)
async def list_categories(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="Categories that apply to this organization.")
    ] = None,
    public: Annotated[bool | None, Query(description="Only public / internal ones.")] = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="Children of this one.")] = None,
    active: Annotated[bool | None, Query(description="Only active / inactive ones.")] = None,
) -> Page[CategoryOut]:
    rows, cursor = await catalog.list_categories(
        session,
        principal,
        page,
        organization_id=organization_id,
        public=public,
        parent_id=parent_id,
        active=active,
    )
    return Page(items=[views.category_view(c) for c in rows], next_cursor=cursor)


@categories.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a category",
    description="A node of an organization's category tree with its default routing "
    "organization, `public` flag and optional intake-default flag. Its SLA targets are the "
    "SLA policies created with its `category_id`. Needs `inquiries:admin` in the "
    "organization's subtree.",
    responses=problems(401, 403, 404, 409, 415, 422),
)
async def create_category(
    body: CategoryCreate, session: SessionDep, principal: PrincipalDep, response: Response
) -> CategoryOut:
    category = await catalog.create_category(session, principal, body)
    response.headers["Location"] = f"/v1/inquiry-categories/{category.id}"
    etag(response, category)
    return views.category_view(category)


@categories.get(
    "/{category_id}",
    summary="Get a category",
    description="Public active categories are open to everyone; others to staff of the "
    "owning subtree and of the organizations below it. Carries an `ETag`.",
    responses=problems(401, 403, 404, 422),
)
async def get_category(
    category_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    response: Response,
) -> CategoryOut:
    category = await catalog.get_category(session, principal, category_id)
    etag(response, category)
    return views.category_view(category)


@categories.patch(
    "/{category_id}",
    summary="Change a category",
    description="The code and owner never change. Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 415, 422),
)
async def patch_category(
    category_id: uuid.UUID,
    body: CategoryPatch,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> CategoryOut:
    category = await catalog.patch_category(session, principal, category_id, body, check)
    etag(response, category)
    return views.category_view(category)


@policies.get(
    "",
    summary="List SLA policies",
    description="Policies of the caller's subtree and of the organizations above it (those "
    "apply to it too).",
    responses=problems(400, 401, 403, 422),
)
async def list_policies(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    organization_id: Annotated[uuid.UUID | None, Query(description="Only this owner.")] = None,
    category_id: Annotated[uuid.UUID | None, Query(description="Only this category.")] = None,
    kind: Annotated[Kind | None, Query(description="Only this kind.")] = None,
    priority: Annotated[Priority | None, Query(description="Only this priority.")] = None,
) -> Page[SlaPolicyOut]:
    rows, cursor = await catalog.list_policies(
        session,
        principal,
        page,
        organization_id=organization_id,
        category_id=category_id,
        kind=kind.value if kind else None,
        priority=priority.value if priority else None,
    )
    return Page(items=[views.policy_view(p) for p in rows], next_cursor=cursor)


@policies.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an SLA policy",
    description="""First-response and resolution targets in **business minutes** of the owning
organization (its time zone, work week, working hours and holidays), for an organization
and everything below it.

Which policy an inquiry gets: a policy of its category first; else the nearest
organization up the tree (the owning one, its parent, …) that has a matching policy;
within one organization the most specific wins (kind + priority, kind, priority, neither).
Without any, the defaults apply (normal priority: 8 business hours to first response,
40 to resolution; media requests: 1 and 4 hours at high priority). One policy per
(organization, category, kind, priority). Needs `inquiries:admin`.""",
    responses=problems(401, 403, 404, 409, 415, 422),
)
async def create_policy(
    body: SlaPolicyCreate, session: SessionDep, principal: PrincipalDep, response: Response
) -> SlaPolicyOut:
    policy = await catalog.create_policy(session, principal, body)
    response.headers["Location"] = f"/v1/sla-policies/{policy.id}"
    etag(response, policy)
    return views.policy_view(policy)


@policies.get(
    "/{policy_id}",
    summary="Get an SLA policy",
    description="Policies of the caller's subtree and of the organizations above it. "
    "Carries an `ETag`.",
    responses=problems(401, 403, 404, 422),
)
async def get_policy(
    policy_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
) -> SlaPolicyOut:
    policy = await catalog.get_policy(session, principal, policy_id)
    etag(response, policy)
    return views.policy_view(policy)


@policies.patch(
    "/{policy_id}",
    summary="Change an SLA policy's targets",
    description="New targets apply to inquiries created, re-classified or transferred "
    "afterwards; existing inquiries keep theirs. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412, 415, 422),
)
async def patch_policy(
    policy_id: uuid.UUID,
    body: SlaPolicyPatch,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> SlaPolicyOut:
    policy = await catalog.patch_policy(session, principal, policy_id, body, check)
    etag(response, policy)
    return views.policy_view(policy)
