"""`/v1/api-clients`: machine clients of other ministries."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep
from services.directory.api.deps import redact_secret_on_replay
from services.directory.models import ApiClient
from services.directory.schemas.api_clients import (
    ApiClientCreate,
    ApiClientOut,
    ApiClientUpdate,
    ApiClientWithSecret,
)
from services.directory.schemas.common import problems
from services.directory.service import api_clients as service
from services.directory.service.common import visible_organization

router = new_router(prefix="/v1/api-clients", tags=["api-clients"])

Reader = Annotated[Principal, require("api_clients:read")]
Writer = Annotated[Principal, require("api_clients:write")]


def _out(client: ApiClient, response: Response | None = None) -> ApiClientOut:
    if response is not None:
        set_etag(response, client.id, client.updated_at)
    return ApiClientOut.model_validate(client, from_attributes=True)


def _with_secret(client: ApiClient, secret: str, response: Response) -> ApiClientWithSecret:
    set_etag(response, client.id, client.updated_at)
    response.headers["Cache-Control"] = "no-store"
    out = ApiClientOut.model_validate(client, from_attributes=True)
    return ApiClientWithSecret(**out.model_dump(), client_secret=secret)


@router.get(
    "",
    summary="List machine clients",
    description="Clients bound to the caller's subtree (administrators only).",
    responses=problems(401, 403, 404, 422),
)
async def list_api_clients(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    active: Annotated[bool | None, Query(description="Only enabled / disabled.")] = None,
) -> Page[ApiClientOut]:
    if organization_id is not None:
        await visible_organization(session, principal, organization_id, "organization_id")
    rows, cursor = await service.list_visible(session, principal, organization_id, active, page)
    return Page(items=[_out(c) for c in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a machine client",
    description="Generates `client_id` and a 256-bit `client_secret`, shown in this answer "
    "only and stored as a hash. With `Idempotency-Key`, a replay answers the same client "
    "with `client_secret: null`.",
    responses=problems(401, 403, 404, 422),
)
async def create_api_client(
    body: ApiClientCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> ApiClientWithSecret:
    redact_secret_on_replay(request)
    client, secret = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/api-clients/{client.id}"
    return _with_secret(client, secret, response)


@router.get(
    "/{api_client_id}",
    summary="Get a machine client",
    description="Never the secret. 404 outside the caller's subtree.",
    responses=problems(401, 403, 404),
)
async def get_api_client(
    api_client_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> ApiClientOut:
    return _out(await service.get(session, principal, api_client_id), response)


@router.patch(
    "/{api_client_id}",
    summary="Rename, re-scope, disable or enable a machine client",
    description="`active: false` disables it: no new tokens; tokens already issued expire "
    "within the token lifetime. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412, 422),
)
async def update_api_client(
    api_client_id: uuid.UUID,
    body: ApiClientUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> ApiClientOut:
    client = await service.get(session, principal, api_client_id)
    check_if_match(request, client.id, client.updated_at)
    return _out(await service.update(session, principal, client, body), response)


@router.post(
    "/{api_client_id}/rotate-secret",
    summary="Rotate a machine client's secret",
    description="A new secret, shown in this answer only; the old one stops working at "
    "once (tokens already issued expire within the token lifetime).",
    responses=problems(401, 403, 404),
)
async def rotate_api_client_secret(
    api_client_id: uuid.UUID,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> ApiClientWithSecret:
    redact_secret_on_replay(request)
    client = await service.get(session, principal, api_client_id)
    client, secret = await service.rotate_secret(session, principal, client)
    return _with_secret(client, secret, response)
