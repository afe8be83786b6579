"""`govhub run`: the embedded database, migrations, bootstrap, every service, the worker
and the gateway, each its own process; Ctrl-C or SIGTERM stops all of them cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
from rich.console import Console

from services.common.errors import DomainError
from services.common.settings import SERVICE_NAMES, GovhubSettings

ROOT = Path(__file__).resolve().parents[1]
console = Console(highlight=False, soft_wrap=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    port: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    reported_exit: bool = False


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


def plan(settings: GovhubSettings) -> list[Child]:
    children = [
        Child(name, uvicorn_argv(f"services.{name}.app:create_app", settings.host, port), port)
        for name in SERVICE_NAMES
        for port in [int(getattr(settings, f"{name}_port"))]
    ]
    children.append(Child("worker", [sys.executable, "-m", "govhub.worker"]))
    children.append(
        Child(
            "gateway",
            # the gateway alone decides whom to believe about the client's address
            # (GOVHUB_TRUSTED_PROXIES); uvicorn's own default trusts X-Forwarded-For from
            # 127.0.0.1, where any local process could pick its rate-limit bucket
            [
                *uvicorn_argv("gateway.app:create_gateway_app", settings.host, settings.port),
                "--no-proxy-headers",
            ],
            settings.port,
        )
    )
    return children


def wait_healthy(child: Child, host: str, timeout: float = 180) -> bool:
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
    busy = [
        (name, port)
        for name, port in [("gateway", settings.port)]
        + [(n, int(getattr(settings, f"{n}_port"))) for n in SERVICE_NAMES]
        if port_in_use(settings.host, port)
    ]
    if busy:
        for name, port in busy:
            console.print(
                f"[red]Port {port} on {settings.host} is already in use[/red] (wanted by {name})."
            )
        console.print(
            "Stop whatever holds it, or choose other ports: GOVHUB_PORT=8080 "
            "GOVHUB_DIRECTORY_PORT=… (see the settings table in README.md)."
        )
        return 2

    data_dir = settings.resolved_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded = None
    if settings.database_url:
        database_url = settings.database_url
        console.print("Database: the server named by GOVHUB_DATABASE_URL")
    else:
        from services.common.embedded import EmbeddedDatabase

        console.print(f"Database: embedded PostgreSQL under {data_dir / 'pg'} …")
        embedded = EmbeddedDatabase(data_dir)
        database_url = embedded.start()

    children: list[Child] = []
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

        env = os.environ | {
            "GOVHUB_DATABASE_URL": database_url,
            "GOVHUB_DATA_DIR": str(data_dir),
        }
        children = plan(settings)
        for child in children:
            child.process = subprocess.Popen(child.argv, cwd=ROOT, env=env)  # noqa: S603
        for child in children:
            if child.port is not None and not wait_healthy(child, settings.host):
                console.print(f"[red]{child.name} did not start[/red]; see its log above.")
                return 1
        banner(settings, admin_password)
        while not stopping:
            for child in children:
                assert child.process is not None
                code = child.process.poll()
                if code is not None and not child.reported_exit:
                    child.reported_exit = True
                    console.print(
                        f"[yellow]{child.name} exited with {code}[/yellow]; the others keep "
                        "running (its routes answer 502 until it is back)."
                    )
            time.sleep(0.5)
        console.print("Stopping …")
        return 0
    finally:
        stop_children(children)
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
    loaded = asyncio.run(load_all_demo(database_url, settings))
    if any(loaded.values()):
        console.print("Demo data: " + ", ".join(f"{n} {name}" for name, n in loaded.items()))
    return password


def banner(settings: GovhubSettings, admin_password: str | None) -> None:
    base = f"http://{settings.host}:{settings.port}"
    console.print()
    console.print(f"[bold green]govhub is running[/bold green] at {base}")
    console.print(f"  API docs      {base}/docs")
    console.print(f"  OpenAPI       {base}/openapi.json")
    console.print(f"  health        {base}/healthz   readiness {base}/readyz")
    for name in SERVICE_NAMES:
        console.print(f"  {name:<13} {settings.service_url(name)}")
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
