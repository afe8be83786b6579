"""Fault tests on the real processes: `govhub run` with its embedded PostgreSQL, a bounded
write load through the gateway, and `kill -9` of a service, the gateway, the worker and the
postmaster. Each case asserts that the hub comes back by itself within the recovery bound,
answers no 500 meanwhile, keeps every write it acknowledged, delivers every event, and that
SIGTERM afterwards stops everything it started (the restarted postmaster included).

`make fault` runs them all; `make test` runs the short form (marked `fault_short`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from tests.database import TEST_DIR
from tests.e2e.stack import ADMIN_PASSWORD, Stack, start_stack

pytestmark = pytest.mark.fault

# the bound, in `make fault` and in the short form of `make test` alike: a killed
# child serves again within 5 s of its death, a service within 5 s of PostgreSQL accepting
# connections again after its postmaster was killed
RECOVERY_SECONDS = float(os.environ.get("GOVHUB_FAULT_RECOVERY_SECONDS", "5"))


@dataclass
class Load:
    """Anonymous complaints posted through the gateway by one thread, until stopped."""

    base: str
    organization_id: str
    acknowledged: list[str] = field(default_factory=list)  # ids answered 201
    statuses: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            n = 0
            while not self.stop.is_set() and n < 2000:  # bounded in count and in time
                n += 1
                try:
                    response = client.post(
                        "/v1/inquiries",
                        headers={"Idempotency-Key": f"fault-{uuid.uuid4()}"},
                        json={
                            "kind": "complaint",
                            "channel": "website",
                            "organization_id": self.organization_id,
                            "subject": f"بلاغ اختبار الأعطال {n}",
                            "body": "حفرة في الطريق أمام المدرسة",
                        },
                    )
                except httpx.HTTPError:
                    self.statuses.append(0)  # the gateway itself was down: no answer
                    time.sleep(0.05)
                    continue
                self.statuses.append(response.status_code)
                if response.status_code == 201:
                    self.acknowledged.append(response.json()["id"])
                else:
                    time.sleep(0.05)

    def __enter__(self) -> Load:
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        assert self.thread is not None
        self.thread.join(30)


@pytest.fixture(scope="module")
def hub() -> Iterator[Stack]:
    # under the repository like the tests' own server: pytest's 0700 temporary folders are
    # closed to the unprivileged user the embedded PostgreSQL runs as under root
    data_dir = TEST_DIR.parent / "fault" / uuid.uuid4().hex[:12]
    running = start_stack(
        None,
        data_dir,
        drain=True,
        GOVHUB_DEMO_DATA="false",
        # the load is one anonymous client, and the checks read every acknowledged write
        # back as the admin: the rate limits are not what is tested here
        GOVHUB_RATE_LIMIT_ANONYMOUS="100000/minute",
        GOVHUB_RATE_LIMIT_AUTHENTICATED="100000/minute",
    )
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def admin(hub: Stack) -> dict[str, str]:
    token = httpx.post(
        f"{hub.base}/v1/auth/token",
        data={"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD},
        timeout=15,
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture(scope="module")
def organization(hub: Stack, admin: dict[str, str]) -> str:
    items = httpx.get(
        f"{hub.base}/v1/organizations", params={"limit": 500}, headers=admin, timeout=15
    ).json()["items"]
    return str(next(o["id"] for o in items if o["code"] == "RIYADH"))


def wait_until(check, seconds: float, step: float = 0.1) -> float | None:
    """Seconds until `check()` held, or None when it did not within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if check():
                return time.monotonic() - start
        except (httpx.HTTPError, OSError, AssertionError, psutil.Error, ValueError):
            pass  # not there yet
        time.sleep(step)
    return None


def child(hub: Stack, marker: str) -> psutil.Process:
    for process in psutil.Process(hub.process.pid).children(recursive=True):
        if any(marker in part for part in process.cmdline()):
            return process
    raise LookupError(marker)


def postmaster(data_dir: Path) -> psutil.Process:
    """The running postmaster of the hub's embedded PostgreSQL."""
    pid = int((data_dir / "pg" / "postmaster.pid").read_text().split()[0])
    process = psutil.Process(pid)
    assert process.status() != psutil.STATUS_ZOMBIE
    return process


def tracebacks(hub: Stack) -> str:
    """The hub's log from its first traceback on, to show where a 500 came from."""
    output = hub.output()
    start = output.find("Traceback")
    return output[start : start + 20000] if start >= 0 else output[-4000:]


def check_load(hub: Stack, admin: dict[str, str], load: Load) -> None:
    assert load.acknowledged, load.statuses
    if 500 in load.statuses:  # printed whole: the report's captured stdout is not cut short
        print(tracebacks(hub))
    assert 500 not in load.statuses, sorted(set(load.statuses))
    with httpx.Client(base_url=hub.base, timeout=15, headers=admin) as client:
        for inquiry_id in load.acknowledged:  # every acknowledged write is there
            found = client.get(f"/v1/inquiries/{inquiry_id}")
            assert found.status_code == 200, (inquiry_id, found.text)

        def delivered() -> bool:  # and every event was delivered
            ready = client.get("/readyz")
            return ready.status_code == 200 and ready.json()["outbox"]["pending"] == 0

        assert wait_until(delivered, 60, 0.5) is not None, client.get("/readyz").text


def kill_and_measure(hub: Stack, process: psutil.Process, path: str, headers=None) -> float:
    process.send_signal(signal.SIGKILL)
    process.wait(10)

    def served() -> bool:
        return httpx.get(f"{hub.base}{path}", headers=headers, timeout=2).status_code == 200

    took = wait_until(served, max(RECOVERY_SECONDS * 2, 60))
    assert took is not None, f"{path} did not come back:\n{hub.output()}"
    return took


@pytest.mark.fault_short
def test_a_killed_service_comes_back(hub, admin, organization) -> None:
    with Load(hub.base, organization) as load:
        time.sleep(1)
        took = kill_and_measure(hub, child(hub, "services.inquiries.app"), "/v1/inquiries", admin)
        time.sleep(1)
    print(f"inquiries back in {took:.1f} s; {len(load.acknowledged)} writes acknowledged")
    assert took <= RECOVERY_SECONDS
    check_load(hub, admin, load)


def test_a_killed_gateway_comes_back(hub, admin, organization) -> None:
    with Load(hub.base, organization) as load:
        time.sleep(1)
        took = kill_and_measure(hub, child(hub, "gateway"), "/healthz")
        time.sleep(1)
    print(f"gateway back in {took:.1f} s")
    assert took <= RECOVERY_SECONDS
    check_load(hub, admin, load)


def test_a_killed_worker_comes_back_and_delivers(hub, admin, organization) -> None:
    with Load(hub.base, organization) as load:
        time.sleep(1)
        worker = child(hub, "govhub.worker")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        time.sleep(2)

    def new_worker() -> bool:
        return child(hub, "govhub.worker").pid != worker.pid

    assert wait_until(new_worker, RECOVERY_SECONDS) is not None
    check_load(hub, admin, load)


def accepts_connections(data_dir: Path) -> bool:
    """Whether the embedded PostgreSQL takes a connection and answers a query (it refuses
    them while it replays its WAL after a crash)."""

    async def query() -> bool:
        connection = await asyncpg.connect(
            host=str(data_dir / "pg"), user="postgres", database="govhub", timeout=2
        )
        try:
            return bool(await connection.fetchval("SELECT 1") == 1)
        finally:
            await connection.close()

    try:
        return asyncio.run(query())
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return False


@pytest.mark.fault_short
def test_a_killed_postmaster_is_restarted_and_nothing_answers_500(hub, admin, organization) -> None:
    # the bound runs from the moment PostgreSQL accepts connections again: its own crash
    # recovery (WAL replay, a checkpoint) is PostgreSQL's time, not the hub's
    data_dir = Path(hub.data_dir)
    with Load(hub.base, organization) as load:
        time.sleep(1)
        before = postmaster(data_dir)
        before.send_signal(signal.SIGKILL)
        restarted = wait_until(lambda: accepts_connections(data_dir), 60, 0.05)
        assert restarted is not None, hub.output()
        took = wait_until(
            lambda: (
                httpx.get(f"{hub.base}/v1/inquiries", headers=admin, timeout=2).status_code == 200
            ),
            max(RECOVERY_SECONDS * 2, 60),
        )
        time.sleep(1)
    assert took is not None, hub.output()
    print(
        f"PostgreSQL accepted connections {restarted:.1f} s after the kill; the service "
        f"answered {took:.1f} s after that; statuses {sorted(set(load.statuses))}"
    )
    assert took <= RECOVERY_SECONDS
    assert postmaster(data_dir).pid != before.pid
    assert 503 in load.statuses  # the outage was seen as 503, not 500
    check_load(hub, admin, load)


@pytest.mark.fault_short
def test_sigterm_stops_everything_including_a_restarted_postmaster(hub) -> None:
    # runs last in the module: the postmaster was restarted by the test above
    data_dir = Path(hub.data_dir)
    database = postmaster(data_dir)
    children = psutil.Process(hub.process.pid).children(recursive=True)
    assert hub.stop() == 0
    _, alive = psutil.wait_procs([*children, database], timeout=20)
    assert not alive, alive
