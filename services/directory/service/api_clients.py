"""Machine clients: creation and rotation hand out a secret once; only its hash is kept."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.pagination import PageParams
from services.directory.models import ApiClient
from services.directory.repository import api_clients as repo
from services.directory.repository.base import flush
from services.directory.schemas.api_clients import ApiClientCreate, ApiClientUpdate
from services.directory.service.common import record, state_action, visible_organization
from services.directory.service.passwords import hash_secret, new_client_id, new_client_secret

_FIELDS = ("client_id", "name", "organization_id", "scopes", "active")


def snapshot(client: ApiClient) -> dict[str, Any]:
    return {name: getattr(client, name) for name in _FIELDS}


async def get(session: AsyncSession, principal: Principal, client_pk: uuid.UUID) -> ApiClient:
    client = await repo.get_visible(session, principal, client_pk)
    if client is None:
        raise NotFound("العميل", "API client")
    return client


async def create(
    session: AsyncSession,
    principal: Principal,
    data: ApiClientCreate,
    *,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[ApiClient, str]:
    """A new client and its secret (the bootstrap may fix both for the demo client)."""
    await visible_organization(session, principal, data.organization_id, "organization_id")
    secret = secret or new_client_secret()
    client = ApiClient(
        id=uuid.uuid4(),
        client_id=client_id or new_client_id(),
        name=data.name,
        organization_id=data.organization_id,
        scopes=list(data.scopes),
        secret_hash=hash_secret(secret),
        active=data.active,
    )
    session.add(client)
    await flush(session)
    await session.refresh(client)
    await record(
        session,
        principal,
        "create",
        "api_client",
        client.id,
        client.organization_id,
        snapshot(client),
    )
    return client, secret


async def rotate_secret(
    session: AsyncSession, principal: Principal, client: ApiClient
) -> tuple[ApiClient, str]:
    secret = new_client_secret()
    client.secret_hash = hash_secret(secret)
    client.secret_rotated_at = func.now()
    await flush(session)
    await session.refresh(client)
    await record(
        session, principal, "rotate_secret", "api_client", client.id, client.organization_id, {}
    )
    return client, secret


async def update(
    session: AsyncSession, principal: Principal, client: ApiClient, data: ApiClientUpdate
) -> ApiClient:
    before = snapshot(client)
    for name in data.model_fields_set & {"name", "scopes", "active"}:
        setattr(client, name, getattr(data, name))
    await flush(session)
    await session.refresh(client)
    changes = diff(before, snapshot(client))
    if changes:
        await record(
            session,
            principal,
            state_action(changes),
            "api_client",
            client.id,
            client.organization_id,
            changes,
        )
    return client


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    active: bool | None,
    page: PageParams,
) -> tuple[list[ApiClient], str | None]:
    """The machine clients the principal may see, filtered; one page (keyset)."""
    return await repo.list_visible(session, principal, organization_id, active, page)
