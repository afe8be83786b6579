"""Webhooks out: subscriptions, fan-out by subtree and type, Standard Webhooks signatures
checked by the `standardwebhooks` package, retries, the dead state, manual retry, the
delivery log, auto-disabling, SSRF refusals, and payloads without contact details."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from standardwebhooks import Webhook, WebhookVerificationError

from govhub.worker import deliver
from services.common.db import session_scope
from services.common.models import OutboxEvent
from services.common.outbox import emit
from services.directory.models import WebhookDelivery, WebhookSubscription
from services.directory.service import webhook_delivery
from services.directory.service.webhook_delivery import attempt
from tests.directory.conftest import Tree, problem
from tests.integrations.receiver import Receiver
from tests.integrations.tls import make_tls


async def subscribe(
    tree: Tree, url: str, org: str = "X", types: list[str] | None = None, who: str = "x.admin"
) -> dict[str, Any]:
    response = await tree.request(
        who,
        "POST",
        "/v1/webhooks",
        {
            "url": url,
            "event_types": types or ["inquiry.created"],
            "organization_id": tree.orgs[org],
            "description": "منظومة الاختبار",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def emit_event(
    sessionmaker, event_type: str, org_id: str | None, payload: dict[str, Any] | None = None
) -> uuid.UUID:
    aggregate_id = uuid.uuid4()
    # as the inquiries service writes it (other services' handlers read it in the worker)
    default = {
        "id": str(aggregate_id),
        "reference": "INQ-2026-000001",
        "organization_id": org_id,
        "kind": "complaint",
        "channel": "website",
        "status": "new",
        "priority": "normal",
    }
    async with session_scope(sessionmaker) as session:
        return await emit(
            session,
            event_type,
            aggregate_type="inquiry",
            aggregate_id=aggregate_id,
            organization_id=uuid.UUID(org_id) if org_id else None,
            payload=default | (payload or {}),
        )


async def deliveries_of(sessionmaker, subscription_id: str) -> list[WebhookDelivery]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.subscription_id == uuid.UUID(subscription_id))
            .order_by(WebhookDelivery.created_at)
        )
        return list(rows.all())


async def fan_out(sessionmaker, settings, event_id: uuid.UUID) -> None:
    assert await deliver(sessionmaker, event_id, settings) == "delivered"


# ------------------------------------------------------------------ subscriptions


async def test_the_secret_is_shown_once_and_the_subscription_is_managed(tree: Tree, receiver):
    created = await subscribe(tree, receiver.url)
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["active"] is True and created["event_types"] == ["inquiry.created"]
    location = f"/v1/webhooks/{created['id']}"
    got = await tree.request("x.admin", "GET", location)
    assert got.status_code == 200 and "secret" not in got.json()
    listed = await tree.request("x.admin", "GET", "/v1/webhooks")
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]
    assert created["secret"] not in listed.text

    stale = await tree.request(
        "x.admin", "PATCH", location, {"active": False}, headers={"If-Match": '"old"'}
    )
    problem(stale, 412)
    changed = await tree.request(
        "x.admin",
        "PATCH",
        location,
        {"active": False, "event_types": ["inquiry.*", "inquiry.*"]},
        headers={"If-Match": got.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["inquiry.*"]
    assert changed.json()["disabled_reason"] == "manual"
    assert (await tree.request("x.admin", "DELETE", location)).status_code == 204
    problem(await tree.request("x.admin", "GET", location), 404)


async def test_an_idempotent_replay_never_shows_the_secret_again(tree: Tree, receiver):
    body = {"url": receiver.url, "event_types": ["*"], "organization_id": tree.orgs["X"]}
    headers = {"Idempotency-Key": "hook-1"}
    first = await tree.request("x.admin", "POST", "/v1/webhooks", body, headers=headers)
    again = await tree.request("x.admin", "POST", "/v1/webhooks", body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["secret"].startswith("whsec_")
    assert again.json()["id"] == first.json()["id"] and again.json()["secret"] is None


async def test_who_may_subscribe_and_to_what(tree: Tree, receiver):
    problem(await tree.request("x.agent", "GET", "/v1/webhooks"), 403)
    problem(await tree.request(None, "GET", "/v1/webhooks"), 401)
    body = {"url": receiver.url, "event_types": ["inquiry.created"]}
    sibling = await tree.request(
        "x.admin", "POST", "/v1/webhooks", body | {"organization_id": tree.orgs["S"]}
    )
    problem(sibling, 404, "not_found")
    other = await subscribe(tree, receiver.url, org="S", who="sector")
    problem(await tree.request("x.admin", "GET", f"/v1/webhooks/{other['id']}"), 404)
    for bad in (["Inquiry Created"], [], ["inquiry.*.created"], ["*.created"]):
        response = await tree.request(
            "x.admin",
            "POST",
            "/v1/webhooks",
            body | {"organization_id": tree.orgs["X"], "event_types": bad},
        )
        problem(response, 422)
    # machine clients of other ministries subscribe with directory:write
    writer = await subscribe(tree, receiver.url, who="x.writer")
    assert writer["organization_id"] == tree.orgs["X"]


async def test_targets_inside_the_network_are_refused_unless_allowed(make_client, settings):
    from services.directory.app import create_app
    from tests.directory.conftest import build_tree

    strict = await make_client(create_app, webhook_allow_private_targets=False)
    tree = await build_tree(strict)
    for url in (
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
        "http://0.0.0.0/hook",
        "ftp://hooks.example/x",
        "https://user:pass@hooks.example/x",
    ):
        response = await tree.request(
            "x.admin",
            "POST",
            "/v1/webhooks",
            {"url": url, "event_types": ["*"], "organization_id": tree.orgs["X"]},
        )
        body = problem(response, 422, "validation_failed")
        assert body["errors"][0]["field"] == "url", url
    ok = await tree.request(
        "x.admin",
        "POST",
        "/v1/webhooks",
        {"url": "https://hooks.example/x", "event_types": ["*"], "organization_id": tree.orgs["X"]},
    )
    assert ok.status_code == 201, ok.text


# ------------------------------------------------------------------ delivery


async def test_a_subscriber_receives_a_signed_event_of_its_subtree_only(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    created = await subscribe(tree, receiver.url, org="X", types=["inquiry.*"])
    receiver.secret = created["secret"]
    in_child = await emit_event(
        sessionmaker,
        "inquiry.created",
        tree.orgs["C"],
        {
            "reference": "INQ-2026-000007",
            "channel": "whatsapp",
            "contact": {"name": "سارة", "phone": "+966501234567"},
            "wa_id": "966501234567",
            "location": {"name": "حي النزهة", "lat": 24.7},
        },
    )
    in_sibling = await emit_event(sessionmaker, "inquiry.created", tree.orgs["S"])
    in_parent = await emit_event(sessionmaker, "inquiry.created", tree.orgs["P"])
    other_type = await emit_event(sessionmaker, "calendar.entry.approved", tree.orgs["X"])
    for event_id in (in_child, in_sibling, in_parent, other_type):
        await fan_out(sessionmaker, settings, event_id)
    await fan_out(sessionmaker, settings, in_child)  # a redelivered event adds nothing
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id == in_child).values(status="pending")
        )
    await fan_out(sessionmaker, settings, in_child)

    (delivery,) = await deliveries_of(sessionmaker, created["id"])
    assert delivery.event_id == in_child
    assert await attempt(sessionmaker, settings, delivery.id) == "delivered"
    (got,) = receiver.received
    assert got.verified, "standardwebhooks rejected the signature"
    assert got.headers["webhook-id"] == str(delivery.id)
    assert got.payload["type"] == "inquiry.created"
    assert got.payload["id"] == str(in_child)
    assert got.payload["organization_id"] == tree.orgs["C"]
    data = got.payload["data"]
    assert data["reference"] == "INQ-2026-000007" and data["channel"] == "whatsapp"
    assert "contact" not in data and "wa_id" not in data
    assert data["location"] == {"name": "حي النزهة", "lat": 24.7}
    assert "+966501234567" not in got.body.decode() and "سارة" not in got.body.decode()
    # a second run of the same job (a worker that died after sending) sends nothing more
    assert await attempt(sessionmaker, settings, delivery.id) == "delivered"
    assert len(receiver.received) == 1

    log = await tree.request("x.admin", "GET", f"/v1/webhooks/{created['id']}/deliveries")
    (entry,) = log.json()["items"]
    assert entry["status"] == "delivered" and entry["attempts"] == 1
    assert entry["response_status"] == 200 and entry["latency_ms"] >= 0


async def test_a_failing_subscriber_is_retried_with_backoff_then_dead_then_retried_by_hand(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    settings = settings.model_copy(update={"webhook_max_attempts": 3})
    created = await subscribe(tree, receiver.url)
    receiver.secret, receiver.status = created["secret"], 503
    await fan_out(
        sessionmaker, settings, await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"])
    )
    (delivery,) = await deliveries_of(sessionmaker, created["id"])
    assert await attempt(sessionmaker, settings, delivery.id) == "pending"
    assert await attempt(sessionmaker, settings, delivery.id) == "pending"
    assert await attempt(sessionmaker, settings, delivery.id) == "dead"
    assert await attempt(sessionmaker, settings, delivery.id) == "dead"  # not tried again
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert all(r.verified for r in receiver.received)
    async with sessionmaker() as session:
        delays = (
            await session.scalars(
                text(
                    "SELECT extract(epoch FROM execute_after - created) FROM common_pgqueuer "
                    "WHERE entrypoint = 'webhooks.attempt' ORDER BY id"
                )
            )
        ).all()
    # the first attempt at once, then 5 s and 10 s later (doubling)
    assert [round(d) for d in delays] == [0, 5, 10]
    log = await tree.request(
        "x.admin", "GET", f"/v1/webhooks/{created['id']}/deliveries?status=dead"
    )
    (entry,) = log.json()["items"]
    assert entry["attempts"] == 3 and entry["response_status"] == 503
    assert entry["last_error"] == "HTTP 503" and entry["next_attempt_at"] is None

    receiver.status = 200
    retried = await tree.request("x.admin", "POST", f"/v1/webhook-deliveries/{entry['id']}/retry")
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "pending"
    assert await attempt(sessionmaker, settings, delivery.id) == "delivered"
    assert receiver.received[-1].verified
    problem(
        await tree.request("x.agent", "POST", f"/v1/webhook-deliveries/{entry['id']}/retry"), 403
    )
    problem(
        await tree.request("x.admin", "POST", f"/v1/webhook-deliveries/{uuid.uuid4()}/retry"), 404
    )


async def test_a_day_of_failures_disables_the_subscription_with_an_event(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    created = await subscribe(tree, receiver.url)
    watcher = await subscribe(tree, receiver.url, types=["webhook.disabled"])
    receiver.status = 500
    for _ in range(2):
        await fan_out(
            sessionmaker,
            settings,
            await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"]),
        )
    first, second = await deliveries_of(sessionmaker, created["id"])
    assert await attempt(sessionmaker, settings, first.id) == "pending"
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == uuid.UUID(created["id"]))
            .values(failing_since=datetime.now(UTC) - timedelta(hours=25))
        )
    assert await attempt(sessionmaker, settings, second.id) == "pending"
    got = await tree.request("x.admin", "GET", f"/v1/webhooks/{created['id']}")
    assert got.json()["active"] is False and got.json()["disabled_reason"] == "failing"
    # its next attempt finds it disabled: dead, nothing sent
    sent = len(receiver.received)
    assert await attempt(sessionmaker, settings, first.id) == "dead"
    assert len(receiver.received) == sent
    async with sessionmaker() as session:
        event = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.event_type == "webhook.disabled")
        )
    assert event is not None and event.payload["subscription_id"] == created["id"]
    await fan_out(sessionmaker, settings, event.id)
    (notice,) = await deliveries_of(sessionmaker, watcher["id"])
    assert notice.payload["data"]["url"] == receiver.url
    problem(await tree.request("x.admin", "POST", f"/v1/webhook-deliveries/{first.id}/retry"), 409)
    enabled = await tree.request(
        "x.admin", "PATCH", f"/v1/webhooks/{created['id']}", {"active": True}
    )
    assert enabled.json()["active"] is True and enabled.json()["failing_since"] is None


async def test_delivery_refuses_a_private_target_when_private_targets_are_not_allowed(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    created = await subscribe(tree, receiver.url)
    await fan_out(
        sessionmaker, settings, await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"])
    )
    (delivery,) = await deliveries_of(sessionmaker, created["id"])
    strict = settings.model_copy(update={"webhook_allow_private_targets": False})
    assert await attempt(sessionmaker, strict, delivery.id) == "pending"
    assert receiver.received == []
    (row,) = await deliveries_of(sessionmaker, created["id"])
    assert row.last_error is not None and row.last_error.startswith("refused")


# ------------------------------------------------------------------ secret rotation


def verifies(secret: str, received) -> bool:
    """Whether the `standardwebhooks` package accepts the request with this secret."""
    try:
        Webhook(secret).verify(received.body, received.headers)
    except WebhookVerificationError:
        return False
    return True


async def deliver_one(tree: Tree, sessionmaker, settings, subscription_id: str) -> None:
    event_id = await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"])
    await fan_out(sessionmaker, settings, event_id)
    delivery = next(
        d for d in await deliveries_of(sessionmaker, subscription_id) if d.event_id == event_id
    )
    assert await attempt(sessionmaker, settings, delivery.id) == "delivered"


async def test_a_rotated_secret_signs_alongside_the_old_one_during_the_overlap(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    created = await subscribe(tree, receiver.url)
    old = created["secret"]
    location = f"/v1/webhooks/{created['id']}"
    got = await tree.request("x.admin", "GET", location)
    problem(
        await tree.request(
            "x.admin", "POST", f"{location}/rotate-secret", headers={"If-Match": '"old"'}
        ),
        412,
    )
    problem(await tree.request("x.agent", "POST", f"{location}/rotate-secret"), 403)
    problem(
        await tree.request("x.admin", "POST", f"{location}/rotate-secret", {"overlap_seconds": -1}),
        422,
    )
    rotated = await tree.request(
        "x.admin",
        "POST",
        f"{location}/rotate-secret",
        {"overlap_seconds": 3600},
        headers={"If-Match": got.headers["ETag"], "Idempotency-Key": "rotate-1"},
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["Cache-Control"] == "no-store"
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert rotated.json()["secret_rotated_at"] is not None
    expires = datetime.fromisoformat(rotated.json()["previous_secret_expires_at"])
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    replay = await tree.request(
        "x.admin",
        "POST",
        f"{location}/rotate-secret",
        {"overlap_seconds": 3600},
        headers={"Idempotency-Key": "rotate-1"},
    )
    assert replay.status_code == 200 and replay.json()["secret"] is None
    shown = await tree.request("x.admin", "GET", location)
    assert new not in shown.text and old not in shown.text
    assert shown.headers["ETag"] != got.headers["ETag"]

    # during the overlap: two signatures, each verified by standardwebhooks
    await deliver_one(tree, sessionmaker, settings, created["id"])
    during = receiver.received[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verifies(old, during) and verifies(new, during)

    # once the overlap is over, only the new secret signs
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == uuid.UUID(created["id"]))
            .values(previous_secret_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await deliver_one(tree, sessionmaker, settings, created["id"])
    after = receiver.received[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert verifies(new, after) and not verifies(old, after)

    audit = await tree.request(
        "x.admin", "GET", f"/v1/audit?action=rotate_secret&resource_id={created['id']}"
    )
    assert audit.status_code == 200, audit.text
    assert len(audit.json()["items"]) == 1
    assert old not in audit.text and new not in audit.text


async def test_a_rotation_without_overlap_ends_the_old_secret_at_once(
    tree: Tree, receiver: Receiver, sessionmaker, settings
):
    created = await subscribe(tree, receiver.url)
    location = f"/v1/webhooks/{created['id']}/rotate-secret"
    first = (await tree.request("x.admin", "POST", location)).json()["secret"]
    second = await tree.request("x.admin", "POST", location, {"overlap_seconds": 0})
    assert second.status_code == 200, second.text
    assert second.json()["previous_secret_expires_at"] is None
    newest = second.json()["secret"]
    await deliver_one(tree, sessionmaker, settings, created["id"])
    got = receiver.received[-1]
    assert verifies(newest, got)
    assert not verifies(first, got) and not verifies(created["secret"], got)
    other = await subscribe(tree, receiver.url, org="S", who="sector")
    problem(await tree.request("x.admin", "POST", f"/v1/webhooks/{other['id']}/rotate-secret"), 404)


async def test_a_delivery_connects_to_the_address_it_checked(
    tree: Tree, receiver: Receiver, sessionmaker, settings, monkeypatch
):
    """The name is resolved once, by the hub, and the connection goes to that checked
    address (a second lookup could answer differently: DNS rebinding)."""
    port = receiver.server.server_address[1] if receiver.server else 0
    answers = {"hooks.invalid": ["127.0.0.1"]}
    looked_up: list[str] = []

    async def resolver(host: str, _port: int) -> list[str]:
        looked_up.append(host)
        return answers[host]

    monkeypatch.setattr(webhook_delivery, "resolve", resolver)
    created = await subscribe(tree, f"http://hooks.invalid:{port}/hooks")
    receiver.secret = created["secret"]
    await deliver_one(tree, sessionmaker, settings, created["id"])
    (got,) = receiver.received
    assert got.verified and got.headers["host"] == f"hooks.invalid:{port}"
    assert looked_up == ["hooks.invalid"]  # `.invalid` never resolves: httpx did not look

    # a name that answers a public and a private address is refused, nothing is sent
    answers["hooks.invalid"] = ["93.184.216.34", "10.0.0.5"]
    strict = settings.model_copy(update={"webhook_allow_private_targets": False})
    event_id = await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"])
    await fan_out(sessionmaker, settings, event_id)
    (pending,) = [
        d for d in await deliveries_of(sessionmaker, created["id"]) if d.event_id == event_id
    ]
    assert await attempt(sessionmaker, strict, pending.id) == "pending"
    (row,) = [d for d in await deliveries_of(sessionmaker, created["id"]) if d.id == pending.id]
    assert (row.last_error or "").startswith("refused") and "10.0.0.5" in (row.last_error or "")
    assert len(receiver.received) == 1


async def test_an_https_receiver_is_verified_by_its_name_on_the_pinned_address(
    tree: Tree, sessionmaker, settings, monkeypatch, tmp_path
):
    """The connection goes to the checked address, while TLS names the receiver: its
    certificate (for `hooks.invalid`, from an authority of the test's own, trusted through
    `GOVHUB_WEBHOOK_CA_BUNDLE`) is verified against that name, not the address."""
    ca_file, server_tls = make_tls(tmp_path, "hooks.invalid")
    receiver = Receiver(tls=server_tls).start()
    try:
        port = receiver.server.server_address[1] if receiver.server else 0

        async def resolver(host: str, _port: int) -> list[str]:
            return {"hooks.invalid": ["127.0.0.1"], "other.invalid": ["127.0.0.1"]}[host]

        monkeypatch.setattr(webhook_delivery, "resolve", resolver)
        trusting = settings.model_copy(update={"webhook_ca_bundle": ca_file})
        created = await subscribe(tree, f"https://hooks.invalid:{port}/hooks")
        receiver.secret = created["secret"]
        await deliver_one(tree, sessionmaker, trusting, created["id"])
        (got,) = receiver.received
        assert got.verified and got.headers["host"] == f"hooks.invalid:{port}"

        # the same server under a name its certificate does not carry: refused, nothing sent
        wrong = await subscribe(tree, f"https://other.invalid:{port}/hooks")
        event_id = await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"])
        await fan_out(sessionmaker, trusting, event_id)
        (pending,) = [
            d for d in await deliveries_of(sessionmaker, wrong["id"]) if d.event_id == event_id
        ]
        assert await attempt(sessionmaker, trusting, pending.id) == "pending"
        (row,) = [d for d in await deliveries_of(sessionmaker, wrong["id"]) if d.id == pending.id]
        assert "certificate" in (row.last_error or "").lower(), row.last_error
        # and without the test's authority, the right name is not trusted either
        plain = settings.model_copy(update={"webhook_ca_bundle": None})
        event_id = await emit_event(sessionmaker, "inquiry.created", tree.orgs["X"])
        await fan_out(sessionmaker, plain, event_id)
        (again,) = [
            d for d in await deliveries_of(sessionmaker, created["id"]) if d.event_id == event_id
        ]
        assert await attempt(sessionmaker, plain, again.id) == "pending"
        assert len(receiver.received) == 1
    finally:
        receiver.stop()
