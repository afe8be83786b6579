"""`/v1/webhooks` (subscriptions and their delivery log) and `/v1/webhook-deliveries`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.idempotency import redact_on_replay
from services.common.pagination import Page, PageDep
from services.directory.models import WebhookDelivery, WebhookSubscription
from services.directory.schemas.common import problems
from services.directory.schemas.webhooks import (
    DeliveryOut,
    DeliveryStatus,
    RotateSecret,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)
from services.directory.service import webhooks as service
from services.directory.service.common import visible_organization
from services.directory.service.webhooks import list_subscriptions

router = new_router(prefix="/v1/webhooks", tags=["webhooks"])
deliveries_router = new_router(prefix="/v1/webhook-deliveries", tags=["webhooks"])

Reader = Annotated[Principal, require("webhooks:read")]
Writer = Annotated[Principal, require("webhooks:write")]


def _out(subscription: WebhookSubscription, response: Response | None = None) -> WebhookOut:
    if response is not None:
        set_etag(response, subscription.id, subscription.updated_at)
    return WebhookOut.model_validate(subscription, from_attributes=True)


def _delivery(delivery: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.get(
    "",
    summary="List webhook subscriptions",
    description="Subscriptions of the caller's subtree, newest first (administrators and "
    "machine clients with `directory:write`). Never the secrets.",
    responses=problems(401, 403, 404, 422),
)
async def list_webhooks(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    active: Annotated[bool | None, Query(description="Only enabled / disabled.")] = None,
) -> Page[WebhookOut]:
    if organization_id is not None:
        await visible_organization(session, principal, organization_id, "organization_id")
    rows, cursor = await list_subscriptions(session, principal, organization_id, active, page)
    return Page(items=[_out(s) for s in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe to events",
    description="Events of `organization_id`'s subtree whose type `event_types` selects are "
    "POSTed to `url`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, "
    "`webhook-signature`) with the `secret` of this answer, shown only here. Delivered at "
    "least once: retried with exponential backoff, then `dead`; deduplicate by "
    "`webhook-id`. Payloads never carry citizens' contact details. With "
    "`Idempotency-Key`, a replay answers `secret: null`.",
    responses=problems(401, 403, 404, 422),
)
async def create_webhook(
    body: WebhookCreate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> WebhookWithSecret:
    redact_on_replay(request, "secret")
    subscription, secret = await service.create(
        session, principal, body, request.app.state.settings
    )
    response.headers["Location"] = f"/v1/webhooks/{subscription.id}"
    response.headers["Cache-Control"] = "no-store"
    out = _out(subscription, response)
    return WebhookWithSecret(**out.model_dump(), secret=secret)


@router.get(
    "/{webhook_id}",
    summary="Get a webhook subscription",
    description="Never the secret. 404 outside the caller's subtree. Carries an `ETag`.",
    responses=problems(401, 403, 404),
)
async def get_webhook(
    webhook_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> WebhookOut:
    return _out(await service.get(session, principal, webhook_id), response)


@router.patch(
    "/{webhook_id}",
    summary="Change a webhook subscription",
    description="Only the fields sent change. `active: false` stops deliveries; "
    "`active: true` re-enables a subscription (also one the hub disabled after a day of "
    "failures). Honours `If-Match`.",
    responses=problems(401, 403, 404, 412, 422),
)
async def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> WebhookOut:
    subscription = await service.get(session, principal, webhook_id)
    check_if_match(request, subscription.id, subscription.updated_at)
    updated = await service.update(
        session, principal, subscription, body, request.app.state.settings
    )
    return _out(updated, response)


@router.post(
    "/{webhook_id}/rotate-secret",
    summary="Rotate a subscription's signing secret",
    description="A new `whsec_…` secret, shown only in this answer (as at creation). For "
    "`overlap_seconds` (default a day, at most 7 days) the secret it replaces still signs: "
    "every delivery's `webhook-signature` carries two space-separated `v1,` signatures, "
    "one per secret, so a receiver verifying with either accepts it while it switches. "
    "Rotating again during an overlap ends the oldest secret at once. Honours `If-Match`; "
    "with `Idempotency-Key`, a replay answers `secret: null`.",
    responses=problems(401, 403, 404, 412, 422),
)
async def rotate_webhook_secret(
    webhook_id: uuid.UUID,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
    body: RotateSecret | None = None,
) -> WebhookWithSecret:
    redact_on_replay(request, "secret")
    subscription = await service.get(session, principal, webhook_id)
    check_if_match(request, subscription.id, subscription.updated_at)
    rotated, secret = await service.rotate_secret(
        session, principal, subscription, body or RotateSecret()
    )
    response.headers["Cache-Control"] = "no-store"
    out = _out(rotated, response)
    return WebhookWithSecret(**out.model_dump(), secret=secret)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a webhook subscription",
    description="Nothing more is sent to it; its delivery log goes with it. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412),
)
async def delete_webhook(
    webhook_id: uuid.UUID, session: SessionDep, principal: Writer, request: Request
) -> Response:
    subscription = await service.get(session, principal, webhook_id)
    check_if_match(request, subscription.id, subscription.updated_at)
    await service.delete(session, principal, subscription)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    summary="A subscription's delivery log",
    description="Every event delivered or to be delivered to it, newest first: status, "
    "attempts, the last attempt's response code, latency and error.",
    responses=problems(401, 403, 404, 422),
)
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    status_: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only in this state.")
    ] = None,
) -> Page[DeliveryOut]:
    rows, cursor = await service.deliveries(session, principal, webhook_id, status_, page)
    return Page(items=[_delivery(d) for d in rows], next_cursor=cursor)


@deliveries_router.post(
    "/{delivery_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Retry a webhook delivery now",
    description="Queues one more attempt at once, with the same `webhook-id` and body: for a "
    "`dead` delivery after the receiver is fixed, or to send a delivered one again. 409 "
    "while the subscription is disabled.",
    responses=problems(401, 403, 404, 409),
)
async def retry_webhook_delivery(
    delivery_id: uuid.UUID, session: SessionDep, principal: Writer
) -> DeliveryOut:
    return _delivery(await service.retry(session, principal, delivery_id))
