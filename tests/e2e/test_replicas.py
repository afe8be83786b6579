"""Two of everything: `govhub run --replicas 2 --gateways 2` — two gateways, two replicas of
every service and two workers — against one PostgreSQL through Debian's PgBouncer, with
the gateways' rate-limit counters in Debian's redis-server (both started here as child
processes on free loopback ports, configured in a temporary directory).

What it proves: the rate limits hold across both gateways; inquiry references stay unique
under concurrent creates through both; every outbox event reaches each consumer once; a
configuration change (a category, an SLA policy) is in force at once in every replica; a
disabled user and a revoked feed behave as documented in every replica; a replica that
dies is skipped by the gateways while the supervisor starts it again.

Bounded for `make test`; `make replicas` runs it with more concurrent creates
(`GOVHUB_REPLICAS_FULL=1`).
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.common.settings import SERVICE_NAMES
from tests.database import DatabaseFactory
from tests.e2e.infra import PgBouncer, Redis, pgbouncer, redis_server, require
from tests.e2e.stack import ADMIN_PASSWORD, DEMO_PASSWORD, Stack, free_port, start_stack

pytestmark = pytest.mark.e2e

FULL = os.environ.get("GOVHUB_REPLICAS_FULL") == "1"
CREATES = 200 if FULL else 40  # concurrent creates, half through each gateway
CLIENT_LIMIT = 40  # GOVHUB_RATE_LIMIT_AUTHENTICATED of this hub, per minute


@pytest.fixture(scope="module")
async def module_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="module")
def parts(
    module_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[PgBouncer, Redis]]:
    folder = tmp_path_factory.mktemp("parts")
    # session pooling: see README "Replicas" and the test of transaction pooling below
    with (
        pgbouncer(module_database, folder / "pgbouncer", pool_mode="session") as bouncer,
        redis_server(folder / "redis") as redis,
    ):
        yield bouncer, redis


@pytest.fixture(scope="module")
def hub(
    parts: tuple[PgBouncer, Redis], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    bouncer, redis = parts
    running = start_stack(
        bouncer.url("govhub"),
        tmp_path_factory.mktemp("replicas") / "data",
        replicas=2,
        gateways=2,
        GOVHUB_REDIS_URL=redis.url,
        # 8 service processes and 2 workers on a test server shared with other tests:
        # small pools (the connection budget of README "Production")
        GOVHUB_DB_POOL_SIZE="2",
        GOVHUB_DB_READ_POOL_SIZE="2",
        GOVHUB_DEMO_DATA="false",
        GOVHUB_RATE_LIMIT_AUTHENTICATED=f"{CLIENT_LIMIT}/minute",
        # every create of this test comes from 127.0.0.1
        GOVHUB_RATE_LIMIT_ANONYMOUS="100000/minute",
        GOVHUB_RATE_LIMIT_TOKEN="600/minute",
    )
    yield running
    running.stop()


def login(base: str, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = httpx.post(
        f"{base}/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def org_id(base: str, headers: dict[str, str], code: str) -> str:
    items = httpx.get(
        f"{base}/v1/organizations", params={"q": code, "limit": 50}, headers=headers, timeout=30
    ).json()["items"]
    return str(next(o["id"] for o in items if o["code"] == code))


def requests_answered(replica: str, app: str) -> float:
    """The replica's own count of requests it answered (its /metrics)."""
    text = httpx.get(f"{replica}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "govhub_http_requests"
        for sample in family.samples
        if sample.name == "govhub_http_requests_total" and sample.labels.get("app") == app
    )


def complaint(organization: str, text: str, category: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "complaint",
        "channel": "website",
        "organization_id": organization,
        "subject": "إنارة معطلة",
        "body": text,
    }
    if category is not None:
        body["category_id"] = category
    return body


def test_two_of_everything_run_and_the_gateways_balance_between_replicas(hub: Stack) -> None:
    assert len(hub.gateways) == 2
    assert all(len(hub.replicas[name]) == 2 for name in SERVICE_NAMES)
    processes = psutil.Process(hub.process.pid).children(recursive=True)
    workers = [p for p in processes if "govhub.worker" in " ".join(p.cmdline())]
    assert len(workers) == 2
    for urls in hub.replicas.values():
        for url in urls:
            ready = httpx.get(f"{url}/readyz", timeout=10)
            assert ready.status_code == 200, (url, ready.text)
            assert ready.json()["checks"]["worker"] == "up"
    before = [requests_answered(url, "inquiries") for url in hub.replicas["inquiries"]]
    for gateway in hub.gateways:
        for _ in range(10):
            answer = httpx.get(f"{gateway}/v1/inquiry-categories", timeout=30)
            assert answer.status_code in (200, 401), answer.text
    after = [requests_answered(url, "inquiries") for url in hub.replicas["inquiries"]]
    served = [a - b for a, b in zip(after, before, strict=True)]
    # sequential requests, nothing in flight: each gateway alternates between the two
    assert all(count >= 8 for count in served), served


def test_rate_limits_hold_across_both_gateways(hub: Stack) -> None:
    headers = login(hub.gateways[0], "diriyah.agent")
    allowed: Counter[str] = Counter()
    limited = 0
    for index in range(CLIENT_LIMIT + 20):
        gateway = hub.gateways[index % 2]
        answer = httpx.get(f"{gateway}/v1/users/me", headers=headers, timeout=30)
        if answer.status_code == 429:
            limited += 1
            assert int(answer.headers["retry-after"]) >= 1
        else:
            assert answer.status_code == 200, answer.text
            allowed[gateway] += 1
    # one counter in Redis: the sum across the gateways is the limit, never twice it
    assert sum(allowed.values()) == CLIENT_LIMIT, allowed
    assert len(allowed) == 2 and limited == 20


class Receiver(http.server.ThreadingHTTPServer):
    """A webhook receiver on loopback that counts deliveries per event id."""

    def __init__(self) -> None:
        self.events: Counter[str] = Counter()
        self.references: Counter[str] = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with receiver.lock:
                    receiver.events[body["id"]] += 1
                    if body["type"] == "inquiry.created":
                        receiver.references[body["data"]["reference"]] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/govhub"


async def create_concurrently(
    gateways: list[str], organization: str, count: int
) -> list[httpx.Response]:
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(timeout=60) as client:

        async def create(index: int) -> httpx.Response:
            async with limit:
                return await client.post(
                    f"{gateways[index % len(gateways)]}/v1/inquiries",
                    json=complaint(organization, f"عمود الإنارة رقم {index} مطفأ"),
                    headers={"Idempotency-Key": f"replicas-{index}"},
                )

        return list(await asyncio.gather(*(create(i) for i in range(count))))


async def outbox_of(database_url: str, references: list[str]) -> tuple[list[Any], int]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT status, handled FROM common_outbox WHERE event_type = 'inquiry.created' "
            "AND payload->>'reference' = ANY($1::text[])",
            references,
        )
        duplicated = await connection.fetchval(
            "SELECT count(*) FROM (SELECT reference FROM inquiry GROUP BY reference "
            "HAVING count(*) > 1) AS twice"
        )
    finally:
        await connection.close()
    return list(rows), int(duplicated)


def test_references_stay_unique_and_every_event_reaches_each_consumer_once(
    hub: Stack, module_database: str
) -> None:
    base = hub.gateways[1]
    admin = login(base, "riyadh.admin")
    riyadh = org_id(base, admin, "RIYADH")
    receiver = Receiver()
    try:
        hook = httpx.post(
            f"{base}/v1/webhooks",
            headers=admin,
            json={"url": receiver.url, "event_types": ["inquiry.*"], "organization_id": riyadh},
            timeout=30,
        )
        assert hook.status_code == 201, hook.text

        answers = asyncio.run(create_concurrently(hub.gateways, riyadh, CREATES))
        assert [a.status_code for a in answers] == [201] * CREATES, [
            a.text for a in answers if a.status_code != 201
        ][:3]
        references = [a.json()["reference"] for a in answers]
        assert len(set(references)) == CREATES  # two replicas, each drawing reference blocks

        # every inquiry.created reaches the webhook once, whichever worker delivered it
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(receiver.references) < CREATES:
            time.sleep(0.5)
        assert set(receiver.references) >= set(references)
        time.sleep(3)  # a duplicate would come now, from the other worker
        assert max(receiver.events.values()) == 1, receiver.events.most_common(3)
        assert all(receiver.references[r] == 1 for r in references)
    finally:
        receiver.shutdown()
        receiver.server_close()

    # and in the outbox: each event delivered, each consumer (handler) recorded once
    rows, duplicated = asyncio.run(outbox_of(module_database, references))
    assert len(rows) == CREATES
    assert {row["status"] for row in rows} == {"delivered"}
    assert all(row["handled"] and len(row["handled"]) == len(set(row["handled"])) for row in rows)
    assert duplicated == 0


def test_a_configuration_change_is_in_force_at_once_in_every_replica(hub: Stack) -> None:
    base = hub.gateways[0]
    admin = login(base, "riyadh.admin")
    riyadh = org_id(base, admin, "RIYADH")
    category = httpx.post(
        f"{base}/v1/inquiry-categories",
        headers=admin,
        json={
            "organization_id": riyadh,
            "code": "replicas-lighting",
            "name_ar": "إنارة الطرق",
            "public": True,
        },
        timeout=30,
    )
    assert category.status_code == 201, category.text
    category_id = category.json()["id"]
    policy = httpx.post(
        f"{base}/v1/sla-policies",
        headers=admin,
        json={
            "organization_id": riyadh,
            "category_id": category_id,
            "name_ar": "سياسة الإنارة",
            "first_response_minutes": 30,
            "resolution_minutes": 240,
        },
        timeout=30,
    )
    assert policy.status_code == 201, policy.text
    policy_id = policy.json()["id"]

    def create_at_each_replica(text: str) -> list[httpx.Response]:
        return [
            httpx.post(
                f"{replica}/v1/inquiries",
                json=complaint(riyadh, text, category_id),
                timeout=30,
            )
            for replica in hub.replicas["inquiries"]
        ]

    def policy_of(created: httpx.Response) -> str | None:
        detail = httpx.get(f"{base}/v1/inquiries/{created.json()['id']}", headers=admin, timeout=30)
        assert detail.status_code == 200, detail.text
        found: str | None = detail.json()["sla_policy_id"]
        return found

    # each replica takes the new category and its policy at once (and keeps its context)
    for _ in range(2):
        for created in create_at_each_replica("الإنارة مطفأة"):
            assert created.status_code == 201, created.text
            assert policy_of(created) == policy_id

    def patch(path: str, change: dict[str, Any]) -> None:
        current = httpx.get(f"{base}{path}", headers=admin, timeout=30)
        answer = httpx.patch(
            f"{base}{path}",
            headers=admin | {"If-Match": current.headers["etag"]},
            json=change,
            timeout=30,
        )
        assert answer.status_code == 200, answer.text

    # the policy switched off through one gateway: the next inquiry in every replica has
    # the defaults, without waiting for anything
    patch(f"/v1/sla-policies/{policy_id}", {"active": False})
    for created in create_at_each_replica("الإنارة ما زالت مطفأة"):
        assert created.status_code == 201, created.text
        assert policy_of(created) != policy_id
    # the category closed: every replica refuses it at once
    patch(f"/v1/inquiry-categories/{category_id}", {"active": False})
    for refused in create_at_each_replica("بلاغ ثالث"):
        assert refused.status_code == 422, refused.text
        assert "category_id" in refused.text


def test_a_disabled_user_and_a_revoked_feed_behave_as_documented_in_every_replica(
    hub: Stack,
) -> None:
    base = hub.gateways[0]
    admin = login(base, "admin", ADMIN_PASSWORD)
    issued = login(base, "alahsa.agent")
    me = httpx.get(f"{base}/v1/users/me", headers=issued, timeout=30).json()
    # a calendar feed of the agent's organization, then revoked
    feed = httpx.post(
        f"{base}/v1/calendar/feeds",
        headers=admin,
        json={"organization_id": me["organization_id"], "scope": "own"},
        timeout=30,
    )
    assert feed.status_code == 201, feed.text
    feed_path = "/v1/calendar/feeds/" + feed.json()["url"].rsplit("/v1/calendar/feeds/", 1)[1]
    for replica in hub.replicas["calendar"]:
        assert httpx.get(f"{replica}{feed_path}", timeout=30).status_code == 200
    revoked = httpx.delete(
        f"{base}/v1/calendar/feeds/{feed.json()['id']}", headers=admin, timeout=30
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"], revoked.text
    for replica in hub.replicas["calendar"]:
        gone = httpx.get(f"{replica}{feed_path}", timeout=30)
        assert gone.status_code == 404, (replica, gone.text)

    user = httpx.get(f"{base}/v1/users/{me['id']}", headers=admin, timeout=30)
    disabled = httpx.patch(
        f"{base}/v1/users/{me['id']}",
        headers=admin | {"If-Match": user.headers["etag"]},
        json={"active": False},
        timeout=30,
    )
    assert disabled.status_code == 200, disabled.text
    # no new token from any directory replica, through either gateway or directly
    for origin in [*hub.gateways, *hub.replicas["directory"]]:
        refused = httpx.post(
            f"{origin}/v1/auth/token",
            data={
                "grant_type": "password",
                "username": "alahsa.agent",
                "password": DEMO_PASSWORD,
            },
            timeout=30,
        )
        assert refused.status_code in (400, 401), (origin, refused.text)
        assert refused.json()["error"] == "invalid_grant"
    # a token issued before stays valid until it expires, in every replica (documented:
    # services verify tokens offline)
    for name, path in (("inquiries", "/v1/inquiries"), ("directory", "/v1/users/me")):
        for replica in hub.replicas[name]:
            assert httpx.get(f"{replica}{path}", headers=issued, timeout=30).status_code == 200


def test_a_replica_that_dies_is_skipped_while_it_is_started_again(hub: Stack) -> None:
    victim_url = hub.replicas["inquiries"][0]
    port = int(victim_url.rsplit(":", 1)[1])
    victim = next(
        p
        for p in psutil.Process(hub.process.pid).children(recursive=True)
        if "services.inquiries.app" in " ".join(p.cmdline()) and f"{port}" in p.cmdline()
    )
    victim.kill()
    victim.wait(10)
    for gateway in hub.gateways:
        for _ in range(10):
            answer = httpx.get(f"{gateway}/v1/inquiry-categories", timeout=30)
            assert answer.status_code in (200, 401), answer.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{victim_url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        pytest.fail("the killed replica was not started again")
    assert re.search(r"inquiries-1 exited", hub.output())


def test_transaction_pooling_breaks_prepared_statements_on_this_pgbouncer(
    module_database: str, tmp_path: Path
) -> None:
    """Why the replicas run through PgBouncer in session mode: asyncpg prepares every
    statement on its connection (and keeps it: `Prepared`, the read pool). PgBouncer before
    1.21 cannot follow a prepared statement from one server connection to another, so in
    transaction mode statements fail; 1.21 added `max_prepared_statements` for that. The
    worker's queue LISTENs, which no transaction-pooled connection can."""
    version = subprocess.run(
        [require("pgbouncer"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"PgBouncer (\d+)\.(\d+)", version)
    assert found is not None, version
    tracks_prepared = (int(found[1]), int(found[2])) >= (1, 21)

    async def probe(url: str) -> Counter[str]:
        """400 reads on 10 client connections sharing 2 server connections, each checked:
        a statement prepared on one server connection and run on another fails, and one
        prepared under the same name by another client runs the wrong SQL."""
        pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
        failures: Counter[str] = Counter()

        async def one(index: int) -> None:
            try:
                async with pool.acquire() as connection:
                    row = await connection.fetchrow(
                        f"SELECT $1::int + {index % 7} AS n, pg_sleep(0.001)", index
                    )
                if row is None or row["n"] != index + index % 7:
                    failures["wrong answer"] += 1
            except asyncpg.PostgresError as exc:
                failures[type(exc).__name__] += 1

        try:
            await asyncio.gather(*(one(i) for i in range(400)))
        finally:
            await pool.close()
        return failures

    if tracks_prepared:
        pytest.skip(
            f"{version.strip()}: max_prepared_statements makes transaction pooling possible"
        )
    with pgbouncer(module_database, tmp_path, pool_mode="transaction", pool_size=2) as bouncer:
        failures = asyncio.run(probe(bouncer.url("govhub")))
    assert sum(failures.values()) > 0, failures
