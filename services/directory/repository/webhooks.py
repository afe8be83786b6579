"""SQL for webhook subscriptions and deliveries."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from services.common.auth import Principal
from services.common.pagination import PageParams, paginate
from services.directory.models import Organization, WebhookDelivery, WebhookSubscription
from services.directory.repository.base import visible, within


async def get_visible(
    session: AsyncSession, principal: Principal, subscription_id: uuid.UUID
) -> WebhookSubscription | None:
    return await session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id,
            visible(principal, WebhookSubscription.organization_id),
        )
    )


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    active: bool | None,
    page: PageParams,
) -> tuple[list[WebhookSubscription], str | None]:
    stmt: Select[Any] = select(WebhookSubscription).where(
        visible(principal, WebhookSubscription.organization_id),
        within(WebhookSubscription.organization_id, organization_id),
    )
    if active is not None:
        stmt = stmt.where(WebhookSubscription.active.is_(active))
    return await paginate(
        session, stmt, [WebhookSubscription.created_at, WebhookSubscription.id], page
    )


async def list_deliveries(
    session: AsyncSession, subscription_id: uuid.UUID, status: str | None, page: PageParams
) -> tuple[list[WebhookDelivery], str | None]:
    stmt: Select[Any] = select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription_id
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return await paginate(session, stmt, [WebhookDelivery.created_at, WebhookDelivery.id], page)


async def get_delivery_visible(
    session: AsyncSession, principal: Principal, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    return await session.scalar(
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.id == delivery_id,
            visible(principal, WebhookSubscription.organization_id),
        )
    )


# ------------------------------------------------------------------ the worker's side


async def subscribers(
    session: AsyncSession, patterns: list[str], organization_id: uuid.UUID
) -> list[uuid.UUID]:
    """Active subscriptions selecting one of `patterns` whose subtree holds the organization."""
    owner = select(Organization.path).where(Organization.id == organization_id).scalar_subquery()
    subscriber_org = Organization.__table__.alias("subscriber_org")
    stmt = (
        select(WebhookSubscription.id)
        .join(subscriber_org, subscriber_org.c.id == WebhookSubscription.organization_id)
        .where(
            WebhookSubscription.active.is_(True),
            WebhookSubscription.event_types.op("&&")(
                bindparam("patterns", patterns, type_=ARRAY(String(100)))
            ),
            owner.op("<@")(subscriber_org.c.path),
        )
    )
    return list((await session.scalars(stmt)).all())


async def add_deliveries(
    session: AsyncSession,
    subscription_ids: list[uuid.UUID],
    event_id: uuid.UUID,
    event_type: str,
    payload: dict[str, Any],
) -> list[uuid.UUID]:
    """One delivery per subscription; an event fanned out again adds none (the unique
    (subscription, event) pair). Returns the ids of the deliveries added now."""
    if not subscription_ids:
        return []
    stmt = (
        insert(WebhookDelivery)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "subscription_id": sid,
                    "event_id": event_id,
                    "event_type": event_type,
                    "payload": payload,
                }
                for sid in subscription_ids
            ]
        )
        .on_conflict_do_nothing(constraint="uq_directory_webhook_delivery_subscription_id")
        .returning(WebhookDelivery.id)
    )
    return list((await session.scalars(stmt)).all())


async def lock_delivery(
    session: AsyncSession, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, WebhookSubscription] | None:
    """The delivery and its subscription, the delivery locked for this attempt (a second
    worker running the same job waits, then finds it done)."""
    row = (
        await session.execute(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.id == delivery_id)
            .with_for_update(of=WebhookDelivery)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def lock_subscription(
    session: AsyncSession, subscription_id: uuid.UUID
) -> WebhookSubscription | None:
    return await session.scalar(
        select(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .with_for_update()
    )


async def clear_failing(session: AsyncSession, subscription_id: uuid.UUID) -> None:
    """A delivery went through: the subscription is no longer failing (its ETag stays)."""
    await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .values(failing_since=None, updated_at=WebhookSubscription.updated_at)
    )
