"""The real parts in front of PostgreSQL for the replica tests: Debian's PgBouncer and
redis-server, each started as a child process of the test on a free loopback port with its
configuration in a temporary directory (no system service). `make test` and
`make replicas` install the packages when they are missing, as `make bench` installs wrk."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy.engine import make_url

from tests.e2e.stack import free_port

PACKAGES = {"pgbouncer": "pgbouncer", "redis-server": "redis-server"}


def require(program: str) -> str:
    """The program's path, or a failure that says how to install it."""
    found = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin")
    if found is None:
        pytest.fail(
            f"{program} is not installed: `make replicas` (or `make test`) installs it, or "
            f"`apt-get install {PACKAGES[program]}`"
        )
    return found


def start(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT)


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"{what} exited with {process.returncode}:\n{output}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not listen on 127.0.0.1:{port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class PgBouncer:
    port: int
    user: str
    password: str | None
    process: subprocess.Popen[bytes]
    config: Path

    def url(self, database: str = "govhub") -> str:
        secret = f":{self.password}" if self.password else ""
        return f"postgresql://{self.user}{secret}@127.0.0.1:{self.port}/{database}"


def _server_of(database_url: str) -> tuple[str, int, str, str, str | None, str | None]:
    """(host or socket dir, port, database, user, password, the owner of the socket dir)."""
    url = make_url(database_url)
    socket_dir = url.query.get("host")
    host = unquote(str(socket_dir)) if socket_dir else (url.host or "127.0.0.1")
    owner = None
    if host.startswith("/"):
        owner = pwd.getpwuid(Path(host).stat().st_uid).pw_name
    return (
        host,
        int(url.port or 5432),
        str(url.database),
        str(url.username or "postgres"),
        url.password,
        owner,
    )


@contextlib.contextmanager
def pgbouncer(
    database_url: str,
    directory: Path,
    *,
    pool_mode: str = "session",
    pool_size: int = 60,
    max_db_connections: int = 70,
) -> Iterator[PgBouncer]:
    """PgBouncer in front of `database_url`'s database, as two names: `govhub` pooled in
    `pool_mode`, and `govhub_session` pooled in session mode (for what needs the same server
    connection throughout: the worker's LISTEN and session advisory locks, migrations).
    In session mode every client connection holds a server connection: `pool_size` must
    cover the sum of the hub's pools (README "Production", the connection budget), and a
    client beyond it fails after `query_wait_timeout` instead of waiting two minutes."""
    program = require("pgbouncer")
    host, port, database, user, password, owner = _server_of(database_url)
    directory.mkdir(parents=True, exist_ok=True)
    listen = free_port()
    target = f"host={host} port={port} dbname={database} user={user}"
    if password:
        target += f" password={password}"
    lines = [
        "[databases]",
        f"govhub = {target} pool_mode={pool_mode}",
        f"govhub_session = {target} pool_mode=session",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {listen}",
        "unix_socket_dir =",
        "auth_type = any",  # the server's own authentication applies (the user named above)
        f"pool_mode = {pool_mode}",
        f"default_pool_size = {pool_size}",
        f"max_db_connections = {max_db_connections}",
        "max_client_conn = 2000",
        "query_wait_timeout = 30",
        "server_reset_query = DISCARD ALL",
        # asyncpg and libpq name these at connect; PgBouncer passes the tracked ones on
        "ignore_startup_parameters = extra_float_digits",
        "logfile =",
        "log_connections = 0",
        "log_disconnections = 0",
        "log_stats = 0",
        "admin_users = " + user,
    ]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root: it runs as the owner of the server's socket
        # directory (the embedded server's user), which may reach that socket
        lines.append(f"user = {owner or 'nobody'}")
    config = directory / "pgbouncer.ini"
    config.write_text("\n".join(lines) + "\n")
    config.chmod(0o644)
    log = directory / "pgbouncer.log"
    process = start([program, str(config)], log)
    try:
        wait_for_port(listen, process, "pgbouncer", log)
        yield PgBouncer(listen, user, password, process, config)
    finally:
        stop(process)


@dataclass
class Redis:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[Redis]:
    """redis-server on a free loopback port, nothing persisted."""
    program = require("redis-server")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = directory / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "bind 127.0.0.1",
                f"port {port}",
                "save ''",
                "appendonly no",
                f"dir {directory}",
                "daemonize no",
                "protected-mode yes",
                "loglevel warning",
            ]
        )
        + "\n"
    )
    log = directory / "redis.log"
    process = start([program, str(config)], log)
    try:
        wait_for_port(port, process, "redis-server", log)
        yield Redis(port, process)
    finally:
        stop(process)
