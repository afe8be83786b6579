"""Webhook subscriptions: create (the secret shown once), change, delete, their delivery
log, and retrying a delivery by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import Conflict, NotFound
from services.common.outbox import enqueue_job
from services.common.pagination import PageParams
from services.common.settings import GovhubSettings
from services.directory.domain.webhooks import TargetRefused, check_url, new_secret
from services.directory.errors import invalid
from services.directory.models import WebhookDelivery, WebhookSubscription
from services.directory.repository import webhooks as repo
from services.directory.repository.base import flush
from services.directory.schemas.webhooks import RotateSecret, WebhookCreate, WebhookUpdate
from services.directory.service.common import record, visible_organization

# the queue entrypoint of one delivery attempt (services/directory/handlers.py)
ATTEMPT_ENTRYPOINT = "webhooks.attempt"

_FIELDS = ("organization_id", "url", "event_types", "description", "active")


def snapshot(subscription: WebhookSubscription) -> dict[str, Any]:
    return {name: getattr(subscription, name) for name in _FIELDS}


def validate_target(url: str, settings: GovhubSettings) -> None:
    """422 on `url` for a target the hub may not call (see `domain.webhooks.check_url`)."""
    try:
        check_url(
            url,
            allow_private=settings.webhook_private_targets_allowed,
            require_https=settings.environment == "production",
        )
    except TargetRefused as exc:
        raise invalid(
            "url",
            "لا يمكن إرسال الأحداث إلى هذا العنوان (يلزم عنوان عام عبر https)",
            f"Events cannot be sent to this URL: {exc}",
        ) from exc


async def list_subscriptions(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    active: bool | None,
    page: PageParams,
) -> tuple[list[WebhookSubscription], str | None]:
    return await repo.list_visible(session, principal, organization_id, active, page)


async def get(
    session: AsyncSession, principal: Principal, subscription_id: uuid.UUID
) -> WebhookSubscription:
    subscription = await repo.get_visible(session, principal, subscription_id)
    if subscription is None:
        raise NotFound("الاشتراك", "webhook subscription")
    return subscription


async def create(
    session: AsyncSession, principal: Principal, data: WebhookCreate, settings: GovhubSettings
) -> tuple[WebhookSubscription, str]:
    await visible_organization(session, principal, data.organization_id, "organization_id")
    validate_target(data.url, settings)
    secret = new_secret()
    subscription = WebhookSubscription(
        id=uuid.uuid4(),
        organization_id=data.organization_id,
        url=data.url,
        event_types=list(data.event_types),
        description=data.description,
        secret=secret,
        active=data.active,
        disabled_at=None if data.active else datetime.now(UTC),
        disabled_reason=None if data.active else "manual",
    )
    session.add(subscription)
    await flush(session)
    await session.refresh(subscription)
    await record(
        session,
        principal,
        "create",
        "webhook_subscription",
        subscription.id,
        subscription.organization_id,
        snapshot(subscription),
    )
    return subscription, secret


async def update(
    session: AsyncSession,
    principal: Principal,
    subscription: WebhookSubscription,
    data: WebhookUpdate,
    settings: GovhubSettings,
) -> WebhookSubscription:
    fields = data.model_fields_set
    if "url" in fields and data.url is not None:
        validate_target(data.url, settings)
    before = snapshot(subscription)
    for name in fields & {"url", "event_types", "description"}:
        setattr(subscription, name, getattr(data, name))
    if "active" in fields and data.active is not None and data.active != subscription.active:
        subscription.active = data.active
        if data.active:
            subscription.disabled_at = None
            subscription.disabled_reason = None
            subscription.failing_since = None
        else:
            subscription.disabled_at = datetime.now(UTC)
            subscription.disabled_reason = "manual"
    await flush(session)
    await session.refresh(subscription)
    changes = diff(before, snapshot(subscription))
    if changes:
        action = "update"
        if "active" in changes:
            action = "enable" if subscription.active else "disable"
        await record(
            session,
            principal,
            action,
            "webhook_subscription",
            subscription.id,
            subscription.organization_id,
            changes,
        )
    return subscription


async def rotate_secret(
    session: AsyncSession,
    principal: Principal,
    subscription: WebhookSubscription,
    data: RotateSecret,
) -> tuple[WebhookSubscription, str]:
    """A new secret, shown once; the current one keeps signing (a second signature on every
    delivery) for `overlap_seconds`. A secret older than the current one stops at once."""
    now = datetime.now(UTC)
    secret = new_secret()
    if data.overlap_seconds > 0:
        subscription.previous_secret = subscription.secret
        subscription.previous_secret_expires_at = now + timedelta(seconds=data.overlap_seconds)
    else:
        subscription.previous_secret = None
        subscription.previous_secret_expires_at = None
    subscription.secret = secret
    subscription.secret_rotated_at = now
    await flush(session)
    await session.refresh(subscription)
    expires = subscription.previous_secret_expires_at
    await record(
        session,
        principal,
        "rotate_secret",
        "webhook_subscription",
        subscription.id,
        subscription.organization_id,
        {
            "secret_rotated_at": now.isoformat(),
            "previous_secret_expires_at": expires.isoformat() if expires else None,
        },
    )
    return subscription, secret


async def delete(
    session: AsyncSession, principal: Principal, subscription: WebhookSubscription
) -> None:
    """Deletes the subscription and its delivery log; nothing more is sent to it."""
    await record(
        session,
        principal,
        "delete",
        "webhook_subscription",
        subscription.id,
        subscription.organization_id,
        snapshot(subscription),
    )
    await session.delete(subscription)
    await session.flush()


async def deliveries(
    session: AsyncSession,
    principal: Principal,
    subscription_id: uuid.UUID,
    status: str | None,
    page: PageParams,
) -> tuple[list[WebhookDelivery], str | None]:
    subscription = await get(session, principal, subscription_id)
    return await repo.list_deliveries(session, subscription.id, status, page)


async def retry(
    session: AsyncSession, principal: Principal, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Queues one more attempt now, whatever the delivery's state (a delivered one is
    sent again, with the same `webhook-id`)."""
    delivery = await repo.get_delivery_visible(session, principal, delivery_id)
    if delivery is None:
        raise NotFound("التسليم", "webhook delivery")
    subscription = await repo.lock_subscription(session, delivery.subscription_id)
    if subscription is None or not subscription.active:
        raise Conflict(
            "الاشتراك معطّل؛ فعّله أولاً",
            "The subscription is disabled; enable it first",
            code="subscription_disabled",
        )
    before = delivery.status
    delivery.status = "pending"
    delivery.next_attempt_at = datetime.now(UTC)
    delivery.updated_at = datetime.now(UTC)
    await session.flush()
    await enqueue_job(session, ATTEMPT_ENTRYPOINT, str(delivery.id).encode())
    await record(
        session,
        principal,
        "retry",
        "webhook_delivery",
        delivery.id,
        subscription.organization_id,
        {"status": [before, "pending"]},
    )
    await session.refresh(delivery)
    return delivery
