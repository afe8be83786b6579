"""End to end: `govhub run` starts the real processes; we call them through the gateway."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from openapi_spec_validator import validate

from services.common.settings import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    def __init__(self, process: subprocess.Popen[bytes], base: str) -> None:
        self.process = process
        self.base = base

    def service_process(self, name: str) -> psutil.Process:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            if any(f"services.{name}.app" in part for part in child.cmdline()):
                return child
        raise LookupError(name)


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    ports = {name: free_port() for name in SERVICE_NAMES}
    gateway_port = free_port()
    env = os.environ | {
        "GOVHUB_DATABASE_URL": database_url,
        "GOVHUB_DATA_DIR": str(tmp_path / "data"),
        "GOVHUB_PORT": str(gateway_port),
        "GOVHUB_LOG_JSON": "false",
        "GOVHUB_ADMIN_PASSWORD": "Sector-Key-2026!",
        "GOVHUB_MAX_BODY_BYTES": "2048",
        **{f"GOVHUB_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub.cli", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{gateway_port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"govhub run exited early:\n{output}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("the stack did not become ready")
    yield Stack(process, base)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)


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
