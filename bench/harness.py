"""Starts the stack and the bare baseline on the embedded database and drives them with wrk."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from services.common.embedded import EmbeddedDatabase
from services.common.settings import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn(target: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


@dataclass
class Stack:
    data_dir: Path
    database_url: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    embedded: EmbeddedDatabase | None = None
    env: dict[str, str] = field(default_factory=dict)  # every process's environment

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start_database(self) -> str:
        self.embedded = EmbeddedDatabase(self.data_dir, database="govhub_bench")
        self.database_url = self.embedded.start()
        from services.common.migrate import upgrade

        upgrade(self.database_url)
        return self.database_url

    def start_processes(self) -> None:
        self.ports = {name: free_port() for name in (*SERVICE_NAMES, "gateway", "bare")}
        env = os.environ | {
            "GOVHUB_DATABASE_URL": self.database_url,
            "GOVHUB_DATA_DIR": str(self.data_dir),
            "GOVHUB_LOG_LEVEL": "WARNING",
            "GOVHUB_PORT": str(self.ports["gateway"]),
            # the load generator is one client on one address: lift the limits for the run
            "GOVHUB_RATE_LIMIT_ANONYMOUS": "100000000/minute",
            "GOVHUB_RATE_LIMIT_AUTHENTICATED": "100000000/minute",
            "BENCH_DATABASE_URL": self.database_url,
            **{f"GOVHUB_{n.upper()}_PORT": str(self.ports[n]) for n in SERVICE_NAMES},
        }
        self.env = env
        argvs = [uvicorn(f"services.{n}.app:create_app", self.ports[n]) for n in SERVICE_NAMES]
        argvs.append(uvicorn("gateway.app:create_gateway_app", self.ports["gateway"]))
        argvs.append(uvicorn("bench.bare_app:create_app", self.ports["bare"]))
        for argv in argvs:
            self.processes.append(subprocess.Popen(argv, cwd=ROOT, env=env))
        for name in (*SERVICE_NAMES, "gateway"):
            self._wait(f"{self.url(name)}/healthz")

    def start_extra(self, name: str, argv: Callable[[int], list[str]], **env: str) -> None:
        """One more process beside the stack (a second replica, a second gateway) on a free
        port, with the stack's environment and `env`; waits for its /healthz."""
        self.ports[name] = free_port()
        process = subprocess.Popen(argv(self.ports[name]), cwd=ROOT, env=self.env | env)
        self.processes.append(process)
        self._wait(f"{self.url(name)}/healthz")

    def _wait(self, url: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{url} did not come up")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.embedded is not None:
            self.embedded.stop()


def wrk(
    url: str,
    *,
    duration: int,
    connections: int,
    token: str | None = None,
    body_file: Path | None = None,
) -> dict[str, Any]:
    """One bounded wrk run on loopback; returns rps and latency percentiles (ms)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk (`make bench` installs it)")
    script = BENCH_DIR / ("post.lua" if body_file else "report.lua")
    argv = [
        "wrk",
        f"-t{min(2, connections)}",  # wrk needs a connection per thread
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    if token and not body_file:
        argv[1:1] = ["-H", f"Authorization: Bearer {token}"]
    env = os.environ | {"BENCH_TOKEN": token or "", "BENCH_BODY_FILE": str(body_file or "")}
    out = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]
    result: dict[str, Any] = json.loads(line)
    for key in ("p50", "p95", "p99"):
        result[key] = result[key] / 1000.0
    return result
