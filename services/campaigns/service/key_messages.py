"""Key messages (S1-3): topics, versions written once and approved or retired, and the
sector view of the approved messages below a ministry."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns import clock
from services.campaigns.domain.states import VERSION_TRANSITIONS, step
from services.campaigns.models import KeyMessage, KeyMessageVersion
from services.campaigns.repository import key_messages as repo
from services.campaigns.repository.base import flush
from services.campaigns.schemas.key_messages import KeyMessageCreate, VersionCreate
from services.campaigns.service.common import (
    check_decider,
    record,
    require,
    visible_organization,
)
from services.common import search
from services.common.attachments.references import Owner, attach
from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.outbox import emit
from services.common.pagination import PageParams

KeyMessageFilters = repo.KeyMessageFilters


async def get(session: AsyncSession, principal: Principal, message_id: uuid.UUID) -> KeyMessage:
    require(principal, "campaigns:read")
    message = await repo.get_visible(session, principal, message_id)
    if message is None:
        raise NotFound("الرسالة", "key message")
    return message


async def versions(session: AsyncSession, message: KeyMessage) -> list[KeyMessageVersion]:
    return await repo.versions_of(session, message.id)


async def list_messages(
    session: AsyncSession,
    principal: Principal,
    filters: repo.KeyMessageFilters,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
) -> search.SearchResult:
    require(principal, "campaigns:read")
    return await repo.list_visible(session, principal, filters, page, options)


async def create(session: AsyncSession, principal: Principal, data: KeyMessageCreate) -> KeyMessage:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, data.organization_id, "organization_id")
    message = KeyMessage(id=uuid.uuid4(), **data.model_dump())
    session.add(message)
    await flush(session)
    await session.refresh(message)
    await record(
        session,
        principal,
        "create",
        "key_message",
        message.id,
        message.organization_id,
        {"code": message.code, "topic": message.topic},
    )
    return message


async def add_version(
    session: AsyncSession, principal: Principal, message: KeyMessage, data: VersionCreate
) -> KeyMessageVersion:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, message.organization_id, "organization_id")
    version = KeyMessageVersion(
        id=uuid.uuid4(),
        key_message_id=message.id,
        organization_id=message.organization_id,
        number=await repo.next_number(session, message.id),
        text_ar=data.text_ar,
        text_en=data.text_en,
        status="draft",
        created_by=principal.subject,
    )
    session.add(version)
    await flush(session)
    await attach(
        session,
        data.attachment_ids,
        principal,
        Owner(
            "campaigns",
            "key_message_version",
            version.id,
            version.organization_id,
            readable_below=True,  # read wherever the message is (below the organization too)
        ),
    )
    await session.refresh(version)
    await record(
        session,
        principal,
        "create",
        "key_message_version",
        version.id,
        version.organization_id,
        {"number": version.number, "text_ar": version.text_ar},
    )
    return version


async def get_version(
    session: AsyncSession, principal: Principal, version_id: uuid.UUID, *, lock: bool = False
) -> KeyMessageVersion:
    require(principal, "campaigns:read")
    version = await repo.version_visible(session, principal, version_id, lock=lock)
    if version is None:
        raise NotFound("نص الرسالة", "key message version")
    return version


async def act(
    session: AsyncSession, principal: Principal, version: KeyMessageVersion, action: str
) -> KeyMessageVersion:
    """approve | retire, by a unit head or administrator of the message's organization or
    above, never the one who wrote the version."""
    await visible_organization(session, principal, version.organization_id, "organization_id")
    await check_decider(session, principal, version.organization_id, version.created_by)
    before = version.status
    version.status = step(VERSION_TRANSITIONS, version.status, action)
    now = clock.now()
    if action == "approve":
        version.approved_by, version.approved_at = principal.subject, now
    else:
        version.retired_at = now
    await flush(session)
    await session.refresh(version)
    await record(
        session,
        principal,
        action,
        "key_message_version",
        version.id,
        version.organization_id,
        {"status": [before, version.status]},
    )
    await emit(
        session,
        f"key_message.version_{version.status}",
        aggregate_type="key_message_version",
        aggregate_id=version.id,
        organization_id=version.organization_id,
        payload={
            "version_id": str(version.id),
            "key_message_id": str(version.key_message_id),
            "number": version.number,
            "status": version.status,
        },
    )
    return version


async def sector_view(
    session: AsyncSession, principal: Principal, root_id: uuid.UUID, page: PageParams
) -> tuple[list[Any], str | None]:
    require(principal, "campaigns:read")
    await visible_organization(session, principal, root_id, "organization_id")
    return await repo.sector_approved(session, root_id, page)
