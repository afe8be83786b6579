"""Service-to-service calls over a service's replicas: in turn, and past one that is down."""

from __future__ import annotations

import httpx
import pytest

from services.common.replicas import ReplicaTransport, replica_client
from tests.gateway.conftest import free_port, serve


async def answer_with_port(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    host = dict(scope["headers"])[b"host"]
    await send({"type": "http.response.body", "body": host + b" " + scope["path"].encode()})


async def test_requests_take_turns_and_skip_a_replica_that_is_down() -> None:
    async with serve(answer_with_port) as first, serve(answer_with_port) as second:
        down = f"http://127.0.0.1:{free_port()}"
        async with replica_client([first, down, second], timeout=5) as client:
            answers = [(await client.get("/v1/inquiries/x")).text for _ in range(6)]
    hosts = [answer.split()[0] for answer in answers]
    assert {answer.split()[1] for answer in answers} == {"/v1/inquiries/x"}
    assert set(hosts) == {first.removeprefix("http://"), second.removeprefix("http://")}
    assert hosts.count(second.removeprefix("http://")) == 4  # its turn and the down one's


async def test_every_replica_down_raises_the_connect_error() -> None:
    urls = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    async with replica_client(urls, timeout=5) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/x")
    with pytest.raises(ValueError, match="no replica"):
        ReplicaTransport([])
