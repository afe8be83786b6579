"""End to end: `govhub run` starts the real processes; we call them through the gateway."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from openapi_spec_validator import validate

from services.common.settings import SERVICE_NAMES
from tests.e2e.stack import Stack, start_stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    running = start_stack(database_url, tmp_path / "data", GOVHUB_MAX_BODY_BYTES="2048")
    yield running
    running.stop()


def test_the_stack_through_the_gateway(stack: Stack) -> None:
    with httpx.Client(base_url=stack.base, timeout=10) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz").json()
        assert set(ready["checks"]) >= {*SERVICE_NAMES, "database"}

        spec = client.get("/openapi.json").json()
        validate(spec)
        assert spec["openapi"].startswith("3.1")
        docs = client.get("/docs")
        assert docs.status_code == 200 and "swagger" in docs.text.lower()

        missing = client.get("/nope")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"

        oversize = client.post(
            "/v1/inquiries", content=b"x" * 4096, headers={"Content-Type": "application/json"}
        )
        assert oversize.status_code == 413
        assert oversize.headers["content-type"] == "application/problem+json"

        echoed = client.get("/v1/calendar/entries", headers={"X-Request-ID": "e2e-1"})
        assert echoed.headers["x-request-id"] == "e2e-1"
        assert echoed.status_code != 502

        # one service down: only its routes answer 502, /readyz names it
        calendar = stack.service_process("calendar")
        calendar.kill()
        calendar.wait(10)
        down = client.get("/v1/calendar/entries")
        assert down.status_code == 502
        assert down.headers["content-type"] == "application/problem+json"
        not_ready = client.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["calendar"] != "up"
        assert not_ready.json()["checks"]["directory"] == "up"
        assert client.get("/.well-known/jwks.json").status_code != 502

    # SIGTERM stops every child
    children = psutil.Process(stack.process.pid).children(recursive=True)
    stack.process.send_signal(signal.SIGTERM)
    assert stack.process.wait(timeout=40) == 0
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive
