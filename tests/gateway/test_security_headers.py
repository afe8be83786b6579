"""`X-Content-Type-Options: nosniff` on every response, exactly once (issue 23, point 8)."""

from __future__ import annotations

from services.directory.app import create_app as create_directory


def nosniff(response) -> list[str]:
    return response.headers.get_list("x-content-type-options")


async def test_every_gateway_answer_says_nosniff(make_gateway, upstreams) -> None:
    gateway = await make_gateway(rate_limit_anonymous="2/minute")
    answers = [
        await gateway.client.get("/healthz"),
        await gateway.client.get("/docs"),
        await gateway.client.get("/v1/inquiries"),  # proxied
        await gateway.client.get("/nowhere"),  # 404 problem
        await gateway.client.get("/v1/inquiries"),
        await gateway.client.get("/v1/inquiries"),  # 429 from the gateway itself
    ]
    assert answers[-1].status_code == 429
    for answer in answers:
        assert nosniff(answer) == ["nosniff"], (answer.request.url, answer.headers)


async def test_every_service_answer_says_nosniff(make_client) -> None:
    client = await make_client(create_directory)
    for path in ("/healthz", "/v1/users", "/openapi.json", "/nowhere"):
        assert nosniff(await client.get(path)) == ["nosniff"], path
