"""The supervisor's restart rules: backoff, a fresh start for a child that ran a while, a
crash-loop limit, and the embedded PostgreSQL watched the same way (with stand-ins for
the processes; the real ones are killed in tests/fault)."""

from __future__ import annotations

import pytest

from govhub import supervisor
from govhub.supervisor import (
    CRASH_LOOP_LIMIT,
    Child,
    CrashLoopError,
    DatabaseWatch,
    restart_delay,
    supervise_child,
)
from services.common.settings import GovhubSettings


class FakeProcess:
    def __init__(self, code: int | None = None) -> None:
        self.code = code

    def poll(self) -> int | None:
        return self.code


@pytest.fixture
def started(monkeypatch) -> list[str]:
    names: list[str] = []

    def start(self: Child, env: dict[str, str]) -> None:
        names.append(self.name)
        self.process = FakeProcess()  # type: ignore[assignment]
        self.started_at = now[0]
        self.restart_at = None

    monkeypatch.setattr(Child, "start", start)
    return names


now = [1000.0]


def test_restart_delays_none_at_first_then_double_up_to_a_cap():
    assert [restart_delay(n) for n in (1, 2, 3, 4, 5, 6, 7, 8)] == [0, 0.5, 1, 2, 4, 8, 10, 10]


def test_a_crashed_child_is_started_again_at_once(started):
    child = Child("inquiries", ["x"], 8002)
    child.process = FakeProcess(code=-9)  # type: ignore[assignment]
    child.started_at = now[0] - 600  # it had run for ten minutes
    supervise_child(child, {}, now[0])  # the same look that saw it exit starts it
    assert started == ["inquiries"] and child.restart_at is None


def test_a_child_that_exits_again_soon_waits_for_the_backoff(started):
    child = Child("inquiries", ["x"], 8002)
    child.process = FakeProcess(code=-9)  # type: ignore[assignment]
    child.started_at = now[0] - 600
    supervise_child(child, {}, now[0])
    assert started == ["inquiries"]
    child.process = FakeProcess(code=1)  # type: ignore[assignment]
    supervise_child(child, {}, now[0] + 2)  # exits again two seconds after its restart
    assert child.restart_at == now[0] + 2.5 and started == ["inquiries"]
    supervise_child(child, {}, now[0] + 2.2)
    assert started == ["inquiries"]
    supervise_child(child, {}, now[0] + 2.5)
    assert started == ["inquiries", "inquiries"] and child.restart_at is None


def test_a_child_that_keeps_crashing_stops_the_hub(started):
    child = Child("worker", ["x"])
    child.process = FakeProcess(code=1)  # type: ignore[assignment]
    t = now[0]
    delays = []
    with pytest.raises(CrashLoopError, match="worker exited 5 times"):
        for _ in range(CRASH_LOOP_LIMIT):
            child.started_at = t
            supervise_child(child, {}, t + 0.1)  # exits right after starting
            if child.restart_at is None:  # started again in the same look
                delays.append(0.0)
                t += 0.1
            else:
                delays.append(child.restart_at - (t + 0.1))
                t = child.restart_at
                supervise_child(child, {}, t)
            child.process = FakeProcess(code=1)  # type: ignore[assignment]
    assert delays == [0, 0.5, 1, 2]


class FakeDatabase:
    def __init__(self) -> None:
        self.running = True
        self.restarts = 0
        self.fail = 0
        self.pgdata = supervisor.ROOT

    def is_running(self) -> bool:
        return self.running

    def restart(self) -> None:
        if self.fail:
            self.fail -= 1
            raise RuntimeError("shared memory still in use")
        self.restarts += 1
        self.running = True


def test_a_dead_postmaster_is_started_again_with_backoff():
    database = FakeDatabase()
    watch = DatabaseWatch(database)  # type: ignore[arg-type]
    watch.check(now[0])
    assert database.restarts == 0
    database.running, database.fail = False, 2
    watch.check(now[0])  # first try fails
    watch.check(now[0] + 0.1)  # not yet due
    watch.check(now[0] + 0.5)  # second try fails
    assert database.restarts == 0
    watch.check(now[0] + 1.5)  # third succeeds
    assert database.restarts == 1 and watch.next_try is None


def test_a_postmaster_that_cannot_start_stops_the_hub():
    database = FakeDatabase()
    watch = DatabaseWatch(database)  # type: ignore[arg-type]
    database.running, database.fail = False, 100
    with pytest.raises(CrashLoopError, match="cannot be started again"):
        t = now[0]
        for _ in range(20):
            watch.check(t)
            t += 20


def test_one_replica_plans_the_hub_as_before():
    children = supervisor.plan(GovhubSettings())
    assert [(c.name, c.port) for c in children] == [
        ("directory", 8101),
        ("inquiries", 8102),
        ("calendar", 8103),
        ("campaigns", 8104),
        ("worker", None),
        ("gateway", 8000),
    ]
    assert children[-1].argv[-5:] == ["--host", "127.0.0.1", "--port", "8000", "--no-proxy-headers"]


def test_replicas_plan_n_processes_of_each_service_and_worker_and_m_gateways():
    settings = GovhubSettings(
        replicas=2, gateways=2, replica_ports={"inquiries": [9102, 9202], "gateway": [9000, 9001]}
    )
    children = supervisor.plan(settings)
    ports = {c.name: c.port for c in children}
    assert ports == {
        "directory-1": 8101,
        "directory-2": 8201,
        "inquiries-1": 9102,
        "inquiries-2": 9202,
        "calendar-1": 8103,
        "calendar-2": 8203,
        "campaigns-1": 8104,
        "campaigns-2": 8204,
        "worker-1": None,
        "worker-2": None,
        "gateway-1": 9000,
        "gateway-2": 9001,
    }
    inquiries = next(c for c in children if c.name == "inquiries-2")
    assert "services.inquiries.app:create_app" in inquiries.argv
    assert inquiries.argv[inquiries.argv.index("--port") + 1] == "9202"
    workers = [c for c in children if c.name.startswith("worker")]
    assert all(c.argv[-2:] == ["-m", "govhub.worker"] for c in workers)


def test_the_run_command_passes_replicas_and_gateways_on(monkeypatch):
    from typer.testing import CliRunner

    from govhub.cli import app

    seen: list[GovhubSettings] = []

    def run(settings: GovhubSettings) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(supervisor, "run", run)
    assert CliRunner().invoke(app, ["run", "--replicas", "3", "--gateways", "2"]).exit_code == 0
    assert (seen[-1].replicas, seen[-1].gateways) == (3, 2)
    assert seen[-1].ports_of("calendar") == [8103, 8203, 8303]
    assert CliRunner().invoke(app, ["run"]).exit_code == 0
    assert (seen[-1].replicas, seen[-1].gateways) == (1, 1)
    monkeypatch.setenv("GOVHUB_REPLICA_PORTS", '{"calendar": [9001]}')
    from services.common.settings import get_settings

    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(app, ["run", "--replicas", "2"])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 2
    assert "1 port(s) for calendar" in refused.output
