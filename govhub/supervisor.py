"""`govhub run`: the embedded database, migrations, bootstrap, every service, the worker
and the gateway, each its own process; Ctrl-C or SIGTERM stops all of them cleanly.

It also keeps them running: a child that exits is started again at once, and after a backoff
when it exits again soon after (0.5 s, doubling to 10 s; a child that ran a minute starts
afresh), and one that keeps crashing
(`CRASH_LOOP_LIMIT` exits within `CRASH_LOOP_WINDOW` seconds) stops the hub with a clear
message instead of looping forever. A child starts in a fraction of a second: the supervisor
imports what the children run once (`preload`) and forks them from itself, so a restart does
not pay the seconds of importing FastAPI, SQLAlchemy and the service that a fresh
interpreter takes (see `fork_child`). The embedded PostgreSQL is watched the same way: a
postmaster that dies is started again (WAL replay keeps every committed write), and when it
cannot be started the hub stops and says why. In production the same processes run under
systemd or Kubernetes, which do this job; this supervisor stays small on purpose."""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console
from setproctitle import setproctitle

from services.common.embedded import EmbeddedDatabase
from services.common.errors import DomainError
from services.common.settings import SERVICE_NAMES, GovhubSettings

ROOT = Path(__file__).resolve().parents[1]
console = Console(highlight=False, soft_wrap=True)


RESTART_FIRST_SECONDS = 0.5  # the backoff after a second quick exit in a row
RESTART_MAX_SECONDS = 10.0
POLL_SECONDS = 0.1  # how often the supervisor looks at its children and the database
STABLE_AFTER_SECONDS = 60.0
CRASH_LOOP_LIMIT = 5
CRASH_LOOP_WINDOW = 60.0
HEALTHY_WITHIN_SECONDS = 180.0  # a child's first /healthz (per replica started at once)


def restart_delay(failures: int) -> float:
    """Seconds to wait before the restart that follows `failures` quick exits in a row: none
    after the first (a crash is repaired at once), then 0.5 s doubling to 10 s."""
    if failures <= 1:
        return 0.0
    return float(min(RESTART_FIRST_SECONDS * 2 ** (failures - 2), RESTART_MAX_SECONDS))


class ForkedProcess:
    """A child forked from the supervisor, with the part of `subprocess.Popen` the
    supervisor uses: `poll` (the exit code, negative for a signal), `wait`, `send_signal`,
    `kill`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: gone, its code unknown
                self.returncode = 1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return code

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def exit_code(code: object) -> int:
    """The process exit code of `sys.exit(code)`."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run_forked(argv: list[str], env: dict[str, str]) -> None:
    """In a freshly forked child: become `argv` (`python -m <module> <args…>`) as a new
    interpreter would, minus the imports, then run the module's `main()`."""
    from services.common.settings import get_settings

    signal.signal(signal.SIGINT, signal.default_int_handler)  # not the supervisor's
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # `ps` (and psutil) show what runs, as before; first: it takes over the memory of the
    # process's initial environment, which must still be as it was
    setproctitle(" ".join(argv))
    os.chdir(ROOT)
    os.environ.clear()
    os.environ.update(env)
    get_settings.cache_clear()
    module = argv[2]
    sys.argv = [module, *argv[3:]]
    importlib.import_module(module).main()


def fork_child(argv: list[str], env: dict[str, str]) -> ForkedProcess:
    """`argv` run in a child forked from the supervisor, which has imported what it needs
    (`preload`): it is serving within a fraction of a second instead of the seconds a new
    interpreter spends importing. The child never returns here: it exits with its
    `main()`'s code, without the supervisor's exit handlers (`os._exit`)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return ForkedProcess(pid)
    code = 1
    try:
        run_forked(argv, env)
        code = 0
    except SystemExit as exc:
        code = exit_code(exc.code)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


@dataclass
class Child:
    name: str
    argv: list[str]  # [python, "-m", module, args…]; the module has a `main()`
    port: int | None = None
    preload: tuple[str, ...] = ()  # the modules it runs, imported before it is forked
    process: subprocess.Popen[bytes] | ForkedProcess | None = field(default=None, repr=False)
    started_at: float = 0.0
    failures: int = 0  # quick exits in a row
    exits: list[float] = field(default_factory=list)  # when it exited, within the window
    restart_at: float | None = None  # when the exited child is due to start again
    fork: bool = False  # forked from the supervisor (after `preload`), else a new interpreter

    def start(self, env: dict[str, str]) -> None:
        if self.fork:
            self.process = fork_child(self.argv, env)
        else:
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=env)  # noqa: S603
        self.started_at = time.monotonic()
        self.restart_at = None


def preload(children: list[Child]) -> None:
    """Imports what every child runs, once, in the supervisor, and marks them to be forked
    from it (where the platform forks)."""
    if not hasattr(os, "fork"):
        return
    for child in children:
        for module in (child.argv[2], *child.preload):
            importlib.import_module(module)
        child.fork = True
    gc.collect()
    gc.freeze()  # what was imported stays shared with the children, not copied on a collection


class CrashLoopError(RuntimeError):
    """A child (or the database) keeps dying: the supervisor gives up on the hub."""


def supervise_child(child: Child, env: dict[str, str], now: float) -> None:
    """One look at a child: schedule the restart of one that exited, start one that is due;
    raises `CrashLoopError` when it exited too often within the window."""
    assert child.process is not None
    if child.restart_at is not None:
        if now >= child.restart_at:
            console.print(f"[green]Starting {child.name} again[/green] …")
            child.start(env)
        return
    code = child.process.poll()
    if code is None:
        return
    child.exits = [t for t in child.exits if now - t < CRASH_LOOP_WINDOW] + [now]
    if len(child.exits) >= CRASH_LOOP_LIMIT:
        raise CrashLoopError(
            f"{child.name} exited {len(child.exits)} times within {CRASH_LOOP_WINDOW:g} s "
            f"(last exit code {code})"
        )
    child.failures = 1 if now - child.started_at >= STABLE_AFTER_SECONDS else child.failures + 1
    delay = restart_delay(child.failures)
    child.restart_at = now + delay
    routes = "its routes answer 503 until it is back" if child.port else "events wait for it"
    when = f"in {delay:g} s" if delay else "now"
    console.print(
        f"[yellow]{child.name} exited with {code}[/yellow]; starting it again {when} ({routes})."
    )
    if not delay:
        supervise_child(child, env, now)


class DatabaseWatch:
    """Restarts the embedded PostgreSQL as soon as its postmaster dies; a start that fails
    (the dead server's backends still hold its shared memory) is tried again after 0.5 s,
    doubling, and `CRASH_LOOP_LIMIT` failures in a row stop the hub, as do as many deaths
    within the window."""

    def __init__(self, embedded: EmbeddedDatabase) -> None:
        self.embedded = embedded
        self.failures = 0
        self.exits: list[float] = []
        self.next_try: float | None = None
        self.up_since = time.monotonic()

    def check(self, now: float) -> None:
        if self.next_try is None:
            if self.embedded.is_running():
                return
            self.exits = [t for t in self.exits if now - t < CRASH_LOOP_WINDOW] + [now]
            if len(self.exits) >= CRASH_LOOP_LIMIT:
                raise CrashLoopError(
                    f"the embedded PostgreSQL died {len(self.exits)} times within "
                    f"{CRASH_LOOP_WINDOW:g} s"
                )
            self.failures = 0
            self.next_try = now
            console.print(
                "[yellow]The embedded PostgreSQL stopped[/yellow]; starting it again "
                "(requests answer 503 database_unavailable meanwhile) …"
            )
        if now < self.next_try:
            return
        try:
            self.embedded.restart()
        except Exception as exc:
            self.failures += 1
            if self.failures >= CRASH_LOOP_LIMIT:
                raise CrashLoopError(
                    f"the embedded PostgreSQL cannot be started again: {exc} "
                    f"(see {self.embedded.pgdata / 'log'})"
                ) from exc
            self.next_try = now + restart_delay(self.failures + 1)
            return
        self.next_try = None
        console.print("[green]The embedded PostgreSQL is back[/green].")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def uvicorn_argv(target: str, host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--timeout-graceful-shutdown",
        "10",
    ]


def replica_name(process: str, index: int, count: int) -> str:
    """`inquiries` when it runs alone, `inquiries-1`, `inquiries-2`, … when replicated."""
    return process if count == 1 else f"{process}-{index + 1}"


def gateway_argv(host: str, port: int) -> list[str]:
    # the gateway alone decides whom to believe about the client's address
    # (GOVHUB_TRUSTED_PROXIES); uvicorn's own default trusts X-Forwarded-For from
    # 127.0.0.1, where any local process could pick its rate-limit bucket
    # gateway/server.py: uvicorn with a deadline on request heads, and without
    # proxy headers (see there)
    return [
        sys.executable,
        "-m",
        "gateway.server",
        "--host",
        host,
        "--port",
        str(port),
        "--no-proxy-headers",
    ]


def plan(settings: GovhubSettings) -> list[Child]:
    """Every process of the hub: `replicas` of each service (on `ports_of`) and of the
    worker, then `gateways` gateways, each of which balances between the replicas."""
    children: list[Child] = []
    for name in SERVICE_NAMES:
        ports = settings.ports_of(name)
        target = f"services.{name}.app:create_app"
        children += [
            Child(
                replica_name(name, index, len(ports)),
                uvicorn_argv(target, settings.host, port),
                port,
                preload=(f"services.{name}.app",),
            )
            for index, port in enumerate(ports)
        ]
    children += [
        Child(
            replica_name("worker", index, settings.replicas),
            [sys.executable, "-m", "govhub.worker"],
        )
        for index in range(settings.replicas)
    ]
    gateway_ports = settings.ports_of("gateway")
    children += [
        Child(
            replica_name("gateway", index, len(gateway_ports)),
            gateway_argv(settings.host, port),
            port,
            preload=("gateway.app",),
        )
        for index, port in enumerate(gateway_ports)
    ]
    return children


def wait_healthy(child: Child, host: str, timeout: float = HEALTHY_WITHIN_SECONDS) -> bool:
    deadline = time.monotonic() + timeout
    url = f"http://{host}:{child.port}/healthz"
    while time.monotonic() < deadline:
        if child.process is not None and child.process.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def stop_children(children: list[Child]) -> None:
    for child in children:
        child.restart_at = None  # nothing starts again once stopping began
    running = [c for c in reversed(children) if c.process and c.process.poll() is None]
    for child in running:
        assert child.process is not None
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in running:
        assert child.process is not None
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def run(settings: GovhubSettings) -> int:
    from services.common.production import insecure_settings

    refused = insecure_settings(settings)
    if refused:
        console.print("[red]GOVHUB_ENVIRONMENT=production refuses to start:[/red]")
        for reason in refused:
            console.print(f"  - {reason}")
        return 2
    children = plan(settings)
    busy = [
        (child.name, child.port)
        for child in children
        if child.port is not None and port_in_use(settings.host, child.port)
    ]
    if busy:
        for name, port in busy:
            console.print(
                f"[red]Port {port} on {settings.host} is already in use[/red] (wanted by {name})."
            )
        console.print(
            "Stop whatever holds it, or choose other ports: GOVHUB_PORT=8080 "
            "GOVHUB_DIRECTORY_PORT=… or GOVHUB_REPLICA_PORTS (see the settings table in "
            "README.md)."
        )
        return 2

    data_dir = settings.resolved_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded = None
    if settings.database_url:
        database_url = settings.database_url
        console.print("Database: the server named by GOVHUB_DATABASE_URL")
    else:
        console.print(f"Database: embedded PostgreSQL under {data_dir / 'pg'} …")
        embedded = EmbeddedDatabase(data_dir)
        database_url = embedded.start()

    started: list[Child] = []
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        from services.common.migrate import upgrade

        console.print("Migrating the schema …")
        upgrade(database_url)
        try:
            admin_password = bootstrap(database_url, settings)
        except (RuntimeError, DomainError) as exc:
            console.print(f"[red]Bootstrap refused:[/red] {exc}")
            return 2

        # the children's environment is the supervisor's own from here on: what the
        # preloaded modules read at import sees what the children will
        os.environ.update(
            {
                "GOVHUB_DATABASE_URL": database_url,
                "GOVHUB_DATA_DIR": str(data_dir),
                # `--replicas`/`--gateways`: every gateway must know every replica
                "GOVHUB_REPLICAS": str(settings.replicas),
                "GOVHUB_GATEWAYS": str(settings.gateways),
            }
        )
        env = dict(os.environ)
        preload(children)
        started = children
        for child in children:
            child.start(env)
        # every replica starts on the same cores at once: allow each its share of time
        patience = HEALTHY_WITHIN_SECONDS * max(settings.replicas, settings.gateways)
        for child in children:
            if child.port is not None and not wait_healthy(child, settings.host, patience):
                console.print(f"[red]{child.name} did not start[/red]; see its log above.")
                return 1
        banner(settings, admin_password)
        watch = DatabaseWatch(embedded) if embedded is not None else None
        try:
            while not stopping:
                now = time.monotonic()
                if watch is not None:
                    watch.check(now)
                for child in children:
                    supervise_child(child, env, now)
                time.sleep(POLL_SECONDS)
        except CrashLoopError as exc:
            console.print(f"[red]Giving up:[/red] {exc}. Stopping the hub; see the log above.")
            return 1
        console.print("Stopping …")
        return 0
    finally:
        stop_children(started)
        if embedded is not None:
            embedded.stop()
        console.print("Stopped.")


def bootstrap(database_url: str, settings: GovhubSettings) -> str | None:
    try:
        from services.directory.bootstrap import run_bootstrap
    except ModuleNotFoundError:
        return None
    from govhub.demo import load_all_demo

    production = settings.environment == "production"
    console.print("Bootstrap: admin" + ("" if production else " and demo data") + " …")
    if production:
        console.print("Demo data: not loaded (GOVHUB_ENVIRONMENT=production)")
    password = asyncio.run(run_bootstrap(database_url, settings, demo=not production))
    if not settings.demo_data:
        console.print("Demo inquiries: not loaded (GOVHUB_DEMO_DATA=false)")
        return password
    loaded = asyncio.run(load_all_demo(database_url, settings))
    if any(loaded.values()):
        console.print("Demo data: " + ", ".join(f"{n} {name}" for name, n in loaded.items()))
    return password


def banner(settings: GovhubSettings, admin_password: str | None) -> None:
    base = f"http://{settings.host}:{settings.port}"
    console.print()
    console.print(f"[bold green]govhub is running[/bold green] at {base}")
    for port in settings.ports_of("gateway")[1:]:
        console.print(f"  gateway       http://{settings.host}:{port}")
    console.print(f"  API docs      {base}/docs")
    console.print(f"  OpenAPI       {base}/openapi.json")
    console.print(f"  health        {base}/healthz   readiness {base}/readyz")
    for name in SERVICE_NAMES:
        console.print(f"  {name:<13} {', '.join(settings.service_urls(name))}")
    if settings.replicas > 1:
        console.print(f"  workers       {settings.replicas}")
    if admin_password:
        console.print(
            f"  admin login   admin / {admin_password}   (shown once; also in "
            f"{settings.resolved_data_dir / 'admin-password.txt'})"
        )
    elif settings.admin_password:
        console.print("  admin login   admin / the password in GOVHUB_ADMIN_PASSWORD")
    else:
        path = settings.resolved_data_dir / "admin-password.txt"
        if path.exists():
            console.print(f"  admin login   admin / see {path}")
    if settings.environment != "production":
        console.print(
            f"  demo staff    riyadh.agent, eastern.unit_head, … / {settings.demo_password}"
        )
    console.print(
        f"  token         curl -s {base}/v1/auth/token -d grant_type=password "
        f"-d username=admin -d password=…"
    )
    console.print("Press Ctrl-C to stop.")
