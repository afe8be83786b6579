"""The worker's side of webhooks: fanning an outbox event out to the subscriptions that
select it, and one signed attempt of one delivery.

At least once: a delivery row and its attempt job are written in the outbox event's
transaction; an attempt runs with the delivery locked, and a worker killed during it
leaves the row as it was and the job to be picked up again. Receivers deduplicate by
`webhook-id` (the delivery's id, the same on every attempt).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import ssl
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from services.common.outbox import Event, emit, enqueue_job
from services.common.settings import GovhubSettings
from services.directory.domain.webhooks import (
    TargetRefused,
    backoff_seconds,
    check_address,
    check_url,
    patterns_matching,
    pinned_url,
    scrub,
)
from services.directory.models import WebhookDelivery, WebhookSubscription
from services.directory.repository import webhooks as repo
from services.directory.service.common import SYSTEM, record
from services.directory.service.webhooks import ATTEMPT_ENTRYPOINT

logger = logging.getLogger("govhub.webhooks")

USER_AGENT = "govhub-webhooks/1"
RESPONSE_EXCERPT = 1000


def envelope(event: Event, now: datetime) -> dict[str, Any]:
    """The body every subscriber gets (Standard Webhooks' `type`, `timestamp`, `data`)."""
    return {
        "id": str(event.id),
        "type": event.event_type,
        "timestamp": now.isoformat(),
        "organization_id": str(event.organization_id) if event.organization_id else None,
        "data": scrub(event.payload),
    }


async def fan_out(event: Event, session: AsyncSession) -> int:
    """A delivery (and its first attempt's job) per subscription that selects the event;
    a redelivered event adds none. Events without an organization go to nobody."""
    if event.organization_id is None:
        return 0
    ids = await repo.subscribers(
        session, patterns_matching(event.event_type), event.organization_id
    )
    added = await repo.add_deliveries(
        session, ids, event.id, event.event_type, envelope(event, datetime.now(UTC))
    )
    for delivery_id in added:
        await enqueue_job(session, ATTEMPT_ENTRYPOINT, str(delivery_id).encode())
    return len(added)


def signing_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The current secret, and during a rotation's overlap the previous one too."""
    found = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and now < expires:
        found.append(subscription.previous_secret)
    return found


def signed_request(
    delivery: WebhookDelivery, secrets: list[str], now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of an attempt: one `v1,` signature per secret, separated by
    spaces (Standard Webhooks), so a receiver verifies with either during an overlap."""
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"))
    msg_id = str(delivery.id)
    return body.encode(), {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign(msg_id, now, body) for s in secrets),
    }


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def _addresses(url: str, allow_private: bool) -> list[str]:
    """The addresses to connect to, each checked: every address the host resolves to now
    must be public unless private targets are allowed (no DNS trick into the hub's own
    network). The connection then goes to one of these, never to a second lookup."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        ipaddress.ip_address(host)
        found = [host]
    except ValueError:
        try:
            found = await resolve(host, port)
        except OSError as exc:
            raise TargetRefused("dns", f"cannot resolve {host}: {exc}") from exc
    if not found:
        raise TargetRefused("dns", f"{host} resolves to nothing")
    for address in found:
        check_address(address, allow_private=allow_private)
    return found


def _tls_context(settings: GovhubSettings) -> ssl.SSLContext | bool:
    """Certificates checked against the public authorities (httpx's default), or
    `GOVHUB_WEBHOOK_CA_BUNDLE`'s; the name checked is the receiver's (the TLS server name),
    never the pinned address."""
    if settings.webhook_ca_bundle is not None:
        return ssl.create_default_context(cafile=str(settings.webhook_ca_bundle))
    return True


async def _post(
    url: str, body: bytes, headers: dict[str, str], settings: GovhubSettings
) -> tuple[int | None, str | None, str | None]:
    """(status, response excerpt, error) of one POST; never raises. The request goes to
    an address checked here (pinned), tried in order while a connection is refused."""
    allow_private = settings.webhook_private_targets_allowed
    try:
        check_url(
            url, allow_private=allow_private, require_https=settings.environment == "production"
        )
        addresses = await _addresses(url, allow_private)
        async with httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            verify=_tls_context(settings),
        ) as client:
            response = None
            for index, address in enumerate(addresses):
                target, host, server_name = pinned_url(url, address)
                try:
                    response = await client.post(
                        target,
                        content=body,
                        headers={**headers, "host": host},
                        extensions={"sni_hostname": server_name} if server_name else {},
                    )
                    break
                except httpx.ConnectError:
                    if index == len(addresses) - 1:
                        raise
            assert response is not None
    except TargetRefused as exc:
        return None, None, f"refused: {exc}"
    except httpx.HTTPError as exc:
        return None, None, f"{type(exc).__name__}: {exc}"[:2000]
    excerpt = response.text[:RESPONSE_EXCERPT]
    if 200 <= response.status_code < 300:
        return response.status_code, excerpt, None
    return response.status_code, excerpt, f"HTTP {response.status_code}"


async def attempt(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: GovhubSettings,
    delivery_id: uuid.UUID,
) -> str:
    """One attempt of a pending delivery; returns its status afterwards."""
    async with sessionmaker() as session, session.begin():
        found = await repo.lock_delivery(session, delivery_id)
        if found is None:
            return "missing"
        delivery, subscription = found
        if delivery.status != "pending":
            return delivery.status
        now = datetime.now(UTC)
        if not subscription.active:
            delivery.status = "dead"
            delivery.next_attempt_at = None
            delivery.last_error = "the subscription is disabled"
            delivery.updated_at = now
            return delivery.status
        body, headers = signed_request(delivery, signing_secrets(subscription, now), now)
        started = time.perf_counter()
        status, excerpt, error = await _post(subscription.url, body, headers, settings)
        finished = datetime.now(UTC)
        delivery.attempts += 1
        delivery.last_attempt_at = finished
        delivery.latency_ms = round((time.perf_counter() - started) * 1000)
        delivery.response_status = status
        delivery.response_body = excerpt
        delivery.last_error = error
        delivery.updated_at = finished
        if error is None:
            delivery.status = "delivered"
            delivery.delivered_at = finished
            delivery.next_attempt_at = None
            if subscription.failing_since is not None:
                await repo.clear_failing(session, subscription.id)
            return delivery.status
        logger.warning(
            "webhook delivery %s to %s failed (attempt %d): %s",
            delivery.id,
            subscription.url,
            delivery.attempts,
            error,
        )
        if delivery.attempts >= settings.webhook_max_attempts:
            delivery.status = "dead"
            delivery.next_attempt_at = None
        else:
            delay = backoff_seconds(delivery.attempts, settings.webhook_backoff_seconds)
            delivery.next_attempt_at = finished + timedelta(seconds=delay)
            await enqueue_job(session, ATTEMPT_ENTRYPOINT, str(delivery.id).encode(), delay)
        await _note_failure(session, subscription.id, finished, settings)
        return delivery.status


async def _note_failure(
    session: AsyncSession, subscription_id: uuid.UUID, now: datetime, settings: GovhubSettings
) -> None:
    """Marks when the failures began; disables the subscription once they have lasted
    `webhook_disable_after_seconds`, with the event `webhook.disabled`."""
    subscription = await repo.lock_subscription(session, subscription_id)
    if subscription is None or not subscription.active:
        return
    if subscription.failing_since is None:
        subscription.failing_since = now
        return
    if now - subscription.failing_since < timedelta(seconds=settings.webhook_disable_after_seconds):
        return
    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = "failing"
    await session.flush()
    await record(
        session,
        SYSTEM,
        "disable",
        "webhook_subscription",
        subscription.id,
        subscription.organization_id,
        {"active": [True, False], "reason": "failing"},
    )
    await emit(
        session,
        "webhook.disabled",
        aggregate_type="webhook_subscription",
        aggregate_id=subscription.id,
        organization_id=subscription.organization_id,
        payload={
            "subscription_id": str(subscription.id),
            "organization_id": str(subscription.organization_id),
            "url": subscription.url,
            "failing_since": subscription.failing_since.isoformat(),
            "disabled_at": now.isoformat(),
        },
    )
    logger.error("webhook subscription %s disabled after a day of failures", subscription.id)
