"""The gateway in front of several replicas of a service: it balances between them (the
fewest requests in flight, ties in turn), skips one whose circuit breaker is open, sends a
request whose connection failed to another replica, and an idempotent one whose replica
went away before answering too — with the built-in transport and with aiohttp's client
(GOVHUB_GATEWAY_TRANSPORT)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from gateway.routes import DEFAULT_PREFIXES, RouteTable, build_route_table
from services.common.settings import SERVICE_NAMES, GovhubSettings
from tests.gateway.conftest import FakeService, free_port, serve
from tests.gateway.fake_apps import fake_service_apps

PROBLEM = "application/problem+json"


@pytest.fixture(params=["aiohttp", "builtin"])
def gateway_settings(gateway_settings: Callable[..., GovhubSettings], request: Any) -> Any:
    """Every gateway of these tests, once per upstream transport."""

    def build(**overrides: Any) -> GovhubSettings:
        return gateway_settings(**{"gateway_transport": request.param, **overrides})

    return build


@pytest.fixture
async def calendar_replicas() -> AsyncIterator[list[tuple[FakeService, str]]]:
    """Two more fake calendar services, each on its own port."""
    spec = fake_service_apps()["calendar"]
    async with contextlib.AsyncExitStack() as stack:
        running = []
        for _ in range(2):
            service = FakeService("calendar", spec)
            running.append((service, await stack.enter_async_context(serve(service))))
        yield running


@contextlib.asynccontextmanager
async def hanging_up_server() -> AsyncIterator[str]:
    """Accepts a connection, reads the request head, and closes without answering: a
    replica that died in the middle of a request."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


def seen_by(services: list[tuple[FakeService, str]]) -> list[int]:
    return [len(service.seen) for service, _ in services]


def test_the_settings_name_each_replica() -> None:
    settings = GovhubSettings(replicas=2, gateways=2)
    assert settings.ports_of("inquiries") == [8102, 8202]
    assert settings.ports_of("gateway") == [8000, 8001]
    assert settings.service_urls("directory") == ["http://127.0.0.1:8101", "http://127.0.0.1:8201"]
    assert settings.service_url("directory") == "http://127.0.0.1:8101"
    listed = GovhubSettings(replicas=2, replica_ports={"calendar": [9001, 9002, 9003]})
    assert listed.ports_of("calendar") == [9001, 9002]
    explicit = GovhubSettings(calendar_url="http://a:1/, http://b:2")
    assert explicit.service_urls("calendar") == ["http://a:1", "http://b:2"]
    with pytest.raises(ValueError, match="1 port"):
        GovhubSettings(replicas=2, replica_ports={"calendar": [9001]})
    one = GovhubSettings()
    assert one.service_urls("calendar") == ["http://127.0.0.1:8103"]


def test_the_route_table_takes_every_replica() -> None:
    table = build_route_table(GovhubSettings(replicas=3))
    target = table.match("/v1/calendar/entries")
    assert target is not None
    assert target.base_urls == (
        "http://127.0.0.1:8103",
        "http://127.0.0.1:8203",
        "http://127.0.0.1:8303",
    )
    assert target.base_url == "http://127.0.0.1:8103"
    assert table.services["calendar"] == "http://127.0.0.1:8103"
    with pytest.raises(ValueError, match="no base URL"):
        RouteTable(DEFAULT_PREFIXES, {name: [] for name in SERVICE_NAMES})


async def test_requests_alternate_between_idle_replicas(
    make_gateway: Callable[..., Any], calendar_replicas: list[tuple[FakeService, str]]
) -> None:
    urls = ",".join(url for _, url in calendar_replicas)
    gateway = await make_gateway(calendar_url=urls)
    for _ in range(10):
        answer = await gateway.client.get("/v1/calendar/entries")
        assert answer.status_code == 200
    assert seen_by(calendar_replicas) == [5, 5]
    writes = [await gateway.client.post("/v1/calendar/entries", json={"n": n}) for n in range(4)]
    assert {w.status_code for w in writes} == {201}
    assert seen_by(calendar_replicas) == [7, 7]


async def test_a_busy_replica_gets_fewer_new_requests(
    make_gateway: Callable[..., Any], calendar_replicas: list[tuple[FakeService, str]]
) -> None:
    urls = ",".join(url for _, url in calendar_replicas)
    gateway = await make_gateway(calendar_url=urls)
    # a long answer held after its first chunk keeps one replica busy
    held = asyncio.create_task(
        gateway.client.get("/v1/calendar/stream-down", params={"wait": "1", "size": "200000"})
    )
    for _ in range(500):
        if any(s.seen for s, _ in calendar_replicas):
            break
        await asyncio.sleep(0.01)
    busy = next(s for s, _ in calendar_replicas if s.seen)
    idle = next(s for s, _ in calendar_replicas if not s.seen)
    for _ in range(6):
        assert (await gateway.client.get("/v1/calendar/entries")).status_code == 200
    assert len(idle.seen) == 6 and len(busy.seen) == 1
    busy.release.set()
    assert len((await held).content) == 200000


async def test_a_down_replica_is_skipped_and_its_requests_go_to_the_other(
    make_gateway: Callable[..., Any],
    calendar_replicas: list[tuple[FakeService, str]],
    capfd: pytest.CaptureFixture[str],
) -> None:
    live, live_url = calendar_replicas[0]
    down_url = f"http://127.0.0.1:{free_port()}"
    gateway = await make_gateway(calendar_url=f"{down_url},{live_url}")
    answers = [await gateway.client.get("/v1/calendar/entries") for _ in range(20)]
    # nothing reached the stopped replica: even a write is sent on to the live one
    answers += [await gateway.client.post("/v1/calendar/entries", json={}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 20 + [201] * 4
    assert len(live.seen) == 24
    proxy = gateway.app.state.gateway.proxy
    port = down_url.rsplit(":", 1)[1]
    assert proxy.breaker(f"calendar 127.0.0.1:{port}").is_open
    assert not proxy.breaker(f"calendar 127.0.0.1:{live_url.rsplit(':', 1)[1]}").is_open
    warnings = [line for line in capfd.readouterr().err.splitlines() if "govhub.gateway" in line]
    assert len(warnings) == 1, warnings  # once, when it went down
    assert f"calendar 127.0.0.1:{port} unreachable" in warnings[0]
    assert "requests go to the other replicas" in warnings[0]


async def test_every_replica_down_answers_502_then_503(make_gateway: Callable[..., Any]) -> None:
    urls = f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}"
    gateway = await make_gateway(calendar_url=urls)
    first = await gateway.client.get("/v1/calendar/entries")
    assert first.status_code == 502 and first.headers["content-type"] == PROBLEM
    assert first.json()["service"] == "calendar"
    refused = await gateway.client.get("/v1/calendar/entries")
    assert refused.status_code == 503 and refused.json()["code"] == "service_unavailable"
    assert int(refused.headers["retry-after"]) >= 1


async def test_a_replica_that_comes_back_takes_requests_again(
    make_gateway: Callable[..., Any], calendar_replicas: list[tuple[FakeService, str]]
) -> None:
    urls = ",".join(url for _, url in calendar_replicas)
    gateway = await make_gateway(calendar_url=urls)
    proxy = gateway.app.state.gateway.proxy
    assert (await gateway.client.get("/v1/calendar/entries")).status_code == 200
    first = proxy.replicas(gateway.app.state.gateway.routes.match("/v1/calendar")).members[0]
    first.breaker.failed("pretend")
    for _ in range(4):
        assert (await gateway.client.get("/v1/calendar/entries")).status_code == 200
    assert seen_by(calendar_replicas) == [1, 4]
    first.breaker.open_until = 0  # the cool-down is over: the next request probes it
    for _ in range(4):
        assert (await gateway.client.get("/v1/calendar/entries")).status_code == 200
    assert not first.breaker.is_open
    assert seen_by(calendar_replicas)[0] >= 2


async def test_an_idempotent_request_is_retried_when_its_replica_hangs_up(
    make_gateway: Callable[..., Any], calendar_replicas: list[tuple[FakeService, str]]
) -> None:
    live, live_url = calendar_replicas[0]
    async with hanging_up_server() as dying_url:
        gateway = await make_gateway(calendar_url=f"{dying_url},{live_url}")
        reads = [await gateway.client.get("/v1/calendar/entries") for _ in range(4)]
        assert {r.status_code for r in reads} == {200}
        assert len(live.seen) == 4
        # a write that may have reached the replica is not sent twice: 502, the client
        # retries with its Idempotency-Key
        statuses = Counter(
            [
                (await gateway.client.post("/v1/calendar/entries", json={})).status_code
                for _ in range(4)
            ]
        )
        assert statuses[502] >= 1 and statuses[201] >= 1
        assert len(live.seen) == 4 + statuses[201]


async def test_readiness_counts_a_service_up_while_one_replica_answers(
    make_gateway: Callable[..., Any], calendar_replicas: list[tuple[FakeService, str]]
) -> None:
    _, live_url = calendar_replicas[0]
    gateway = await make_gateway(calendar_url=f"http://127.0.0.1:{free_port()},{live_url}")
    ready = await gateway.client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["calendar"] == "up"
    gone = await make_gateway(
        calendar_url=f"http://127.0.0.1:{free_port()},http://127.0.0.1:{free_port()}"
    )
    not_ready = await gone.client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["checks"]["calendar"] == "down"


async def test_the_spec_is_read_from_a_replica_that_answers(
    make_gateway: Callable[..., Any], calendar_replicas: list[tuple[FakeService, str]]
) -> None:
    _, live_url = calendar_replicas[0]
    gateway = await make_gateway(calendar_url=f"http://127.0.0.1:{free_port()},{live_url}")
    spec = await gateway.client.get("/openapi.json")
    assert spec.status_code == 200
    assert any(path.startswith("/v1/calendar") for path in spec.json()["paths"])


async def test_one_replica_behaves_as_before(
    make_gateway: Callable[..., Any], upstreams: dict[str, FakeService]
) -> None:
    gateway = await make_gateway()
    target = gateway.app.state.gateway.routes.match("/v1/calendar")
    replicas = gateway.app.state.gateway.proxy.replicas(target)
    assert [m.breaker.service for m in replicas.members] == ["calendar"]
    assert replicas.order() == replicas.members
    assert (await gateway.client.get("/v1/calendar/entries")).status_code == 200
    assert httpx.codes.is_success((await gateway.client.get("/v1/calendar/x")).status_code)
