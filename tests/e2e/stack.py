"""Starts `govhub run` as a newcomer would, on free ports, against a fresh database."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest

from services.common.settings import SERVICE_NAMES

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Sector-Key-2026!"
DEMO_PASSWORD = "Govhub-Demo-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    base: str
    data_dir: Path
    log: list[bytes] = field(default_factory=list)  # what `govhub run` printed (drained)
    gateways: list[str] = field(default_factory=list)  # every gateway's base URL
    replicas: dict[str, list[str]] = field(default_factory=dict)  # each service's replicas

    def output(self) -> str:
        return b"".join(self.log).decode(errors="replace")

    def service_process(self, name: str) -> psutil.Process:
        for child in psutil.Process(self.process.pid).children(recursive=True):
            if any(f"services.{name}.app" in part for part in child.cmdline()):
                return child
        raise LookupError(name)

    def stop(self) -> int:
        """SIGTERM to `govhub run` (which stops its children); whatever of its process group
        is still there after that (a supervisor that was killed, a child that hung) is
        killed, so no test leaves processes behind."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=40)
        finally:
            kill_group(self.process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to every process left in `process`'s group (it leads one of its own)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def start_stack(
    database_url: str | None,
    data_dir: Path,
    *,
    drain: bool = True,
    replicas: int = 1,
    gateways: int = 1,
    **extra_env: str,
) -> Stack:
    """`govhub run` on free ports; with `database_url` None, on its own embedded
    PostgreSQL under `data_dir` (which the supervisor then watches and restarts). A thread
    reads what it prints into `Stack.log` (`drain`, on by default): a hub prints more than a
    pipe holds — the worker's log of the demo's notifications, retries under load — and a
    full pipe blocks the process that writes to it, a worker in the middle of its events.
    `replicas` and `gateways`: `govhub run --replicas N --gateways M`, each process on a
    free port (`GOVHUB_REPLICA_PORTS`); ready once every gateway and every replica is."""
    ports = {name: free_port() for name in SERVICE_NAMES}
    gateway_port = free_port()
    replica_ports = {name: [port] for name, port in ports.items()}
    replica_ports["gateway"] = [gateway_port]
    replicated: dict[str, str] = {}
    if replicas > 1 or gateways > 1:
        for name in SERVICE_NAMES:
            replica_ports[name] += [free_port() for _ in range(replicas - 1)]
        replica_ports["gateway"] += [free_port() for _ in range(gateways - 1)]
        replicated = {
            "GOVHUB_REPLICAS": str(replicas),
            "GOVHUB_GATEWAYS": str(gateways),
            "GOVHUB_REPLICA_PORTS": json.dumps(replica_ports),
        }
    env = {k: v for k, v in os.environ.items() if k != "GOVHUB_DATABASE_URL"} | {
        "GOVHUB_DATA_DIR": str(data_dir),
        "GOVHUB_PORT": str(gateway_port),
        "GOVHUB_LOG_JSON": "false",
        "GOVHUB_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "GOVHUB_DEMO_PASSWORD": DEMO_PASSWORD,
        **{f"GOVHUB_{name.upper()}_PORT": str(port) for name, port in ports.items()},
        **({"GOVHUB_DATABASE_URL": database_url} if database_url else {}),
        **replicated,
        **extra_env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub.cli", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: `kill_group` ends all of it
    )
    base = f"http://127.0.0.1:{gateway_port}"
    every_gateway = [f"http://127.0.0.1:{port}" for port in replica_ports["gateway"]]
    every_replica = {
        name: [f"http://127.0.0.1:{port}" for port in replica_ports[name]] for name in SERVICE_NAMES
    }
    probes = every_gateway + [url for urls in every_replica.values() for url in urls]
    log: list[bytes] = []
    if drain:
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: log.extend(iter(stream.readline, b"")), daemon=True).start()
    # generous: on a loaded machine the migrations and the demo data take minutes
    patience = float(os.environ.get("GOVHUB_E2E_START_SECONDS", "300"))
    deadline = time.monotonic() + patience * max(replicas, gateways)
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = (
                    b"".join(log).decode()
                    if drain
                    else (process.stdout.read().decode() if process.stdout else "")
                )
                pytest.fail(f"govhub run exited early:\n{output}")
            try:
                if all(httpx.get(f"{url}/readyz", timeout=2).status_code == 200 for url in probes):
                    return Stack(process, base, data_dir, log, every_gateway, every_replica)
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        pytest.fail("the stack did not become ready")
    except BaseException:  # a failure, a timeout, Ctrl-C: leave no process behind
        kill_group(process)
        raise
