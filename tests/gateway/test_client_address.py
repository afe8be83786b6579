"""Which client a request counts against: `X-Forwarded-For` only from trusted proxies
(issue 23, point 4)."""

from __future__ import annotations

from govhub.supervisor import plan


async def _statuses(client, count: int, *, rotate: bool) -> list[int]:
    statuses = []
    for index in range(count):
        headers = {"X-Forwarded-For": f"203.0.113.{index + 1}"} if rotate else {}
        statuses.append((await client.get("/v1/inquiries", headers=headers)).status_code)
    return statuses


async def test_a_rotated_forwarded_for_does_not_change_the_bucket(make_gateway, upstreams):
    gateway = await make_gateway(rate_limit_anonymous="3/minute")
    local = await gateway.client_from("127.0.0.1")
    assert await _statuses(local, 4, rotate=True) == [200, 200, 200, 429]


async def test_trusted_proxies_name_the_client(make_gateway, upstreams):
    gateway = await make_gateway(rate_limit_anonymous="1/minute", trusted_proxies=["10.0.0.0/8"])
    proxy = await gateway.client_from("10.1.2.3")
    # behind the trusted proxy, each forwarded client has its own bucket …
    assert await _statuses(proxy, 3, rotate=True) == [200, 200, 200]
    assert (
        await proxy.get("/v1/inquiries", headers={"X-Forwarded-For": "203.0.113.1"})
    ).status_code == 429
    # … and the service is told who it was
    assert upstreams["inquiries"].seen[0].headers["x-forwarded-for"].endswith("203.0.113.1")
    # anyone else's X-Forwarded-For is ignored: the peer is the client
    stranger = await gateway.client_from("198.51.100.7")
    assert await _statuses(stranger, 2, rotate=True) == [200, 429]


def test_uvicorn_does_not_trust_forwarded_headers_for_the_gateway(settings):
    gateway = next(child for child in plan(settings) if child.name == "gateway")
    assert "--no-proxy-headers" in gateway.argv
