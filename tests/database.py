"""Real PostgreSQL for the tests: one server, one migrated template, a fresh clone per test.

With `GOVHUB_DATABASE_URL` set the tests use that server (they create and drop their own
databases on it); otherwise the embedded server under `.govhub/test` is started once and
shared by the pytest-xdist workers.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from services.common.embedded import EmbeddedDatabase, to_plain_url
from services.common.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
TEST_DIR = Path(os.environ.get("GOVHUB_TEST_DATA_DIR", ROOT / ".govhub" / "test"))


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def schema_fingerprint() -> str:
    """Changes whenever a migration or a model changes, so the template is rebuilt."""
    digest = hashlib.sha256()
    for folder in ("migrations", "services"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if (
                path.name in {"models.py", "queue.py"}
                or path.parent.name == "models"
                or folder == "migrations"
            ):
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class DatabaseFactory:
    """Creates the template once per schema version and clones it for each test."""

    def __init__(self) -> None:
        self.embedded: EmbeddedDatabase | None = None
        external = os.environ.get("GOVHUB_DATABASE_URL")
        if external:
            self.server_url = to_plain_url(external)
        else:
            self.embedded = EmbeddedDatabase(TEST_DIR, database="postgres", stop_on_close=False)
            with file_lock(TEST_DIR / "server.lock"):
                self.server_url = self.embedded.start()
        self.template = f"govhub_tmpl_{schema_fingerprint()}"

    def url_for(self, database: str) -> str:
        url = make_url(self.server_url).set(database=database)
        return url.render_as_string(hide_password=False)

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url_for("postgres"))

    async def ensure_template(self) -> None:
        with file_lock(TEST_DIR / "template.lock"):
            conn = await self._admin()
            try:
                exists = await conn.fetchval(
                    "SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate", self.template
                )
                if exists:
                    return
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{self.template}"')
            finally:
                await conn.close()
            # Alembic drives its own event loop: run it in a thread off ours.
            import asyncio

            await asyncio.to_thread(upgrade, self.url_for(self.template))
            conn = await self._admin()
            try:
                await conn.execute(
                    f'ALTER DATABASE "{self.template}" '
                    "WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
                )
                # stale templates of earlier schema versions
                for row in await conn.fetch(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'govhub_tmpl_%' "
                    "AND datname <> $1",
                    self.template,
                ):
                    await conn.execute(f'ALTER DATABASE "{row[0]}" WITH IS_TEMPLATE false')
                    await conn.execute(f'DROP DATABASE IF EXISTS "{row[0]}" WITH (FORCE)')
            finally:
                await conn.close()

    async def create(self, *, migrated: bool = True) -> str:
        name = f"govhub_t_{uuid.uuid4().hex[:16]}"
        conn = await self._admin()
        try:
            template = f' TEMPLATE "{self.template}"' if migrated else ""
            await conn.execute(f'CREATE DATABASE "{name}"{template}')
        finally:
            await conn.close()
        return name

    async def drop(self, name: str) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def fetch(settings: Any, sql: str, *args: Any) -> list[asyncpg.Record]:
    """`sql`'s rows on the test's database (`settings.database_url`), on a connection of
    its own: what a test reads back to check what a request or a job wrote."""
    conn = await asyncpg.connect(to_plain_url(settings.database_url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def stop_embedded_server() -> None:
    """Stops the embedded test server this checkout started (`python -m tests.database stop`),
    by the pid PostgreSQL wrote in its data dir; CI calls it when the suite is done."""
    import signal
    import time

    pid_file = TEST_DIR / "pg" / "postmaster.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().split("\n", 1)[0])
    try:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["stop"]:
        stop_embedded_server()
