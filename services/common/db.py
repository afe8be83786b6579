"""Engine and sessions. The request owns the transaction: see `TransactionMiddleware`.

A request's session is opened on first use, so requests that never touch the database
(health, docs, most errors) pay nothing for it. Reads run on a session whose connection is
in autocommit: under READ COMMITTED every statement sees its own snapshot whether or not a
transaction surrounds it, so a read-only transaction bought nothing but a BEGIN and a
ROLLBACK round trip per request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.util import greenlet_spawn

from services.common.embedded import to_async_url
from services.common.settings import GovhubSettings


def resolve_database_url(settings: GovhubSettings) -> str:
    """The configured server, or the embedded one under the data dir (started if needed)."""
    if settings.database_url:
        return settings.database_url
    from services.common.embedded import EmbeddedDatabase

    return EmbeddedDatabase(settings.resolved_data_dir, stop_on_close=False).start()


def build_engine(url: str, settings: GovhubSettings) -> AsyncEngine:
    return create_async_engine(
        to_async_url(url),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        connect_args={"server_settings": {"application_name": "govhub", "timezone": "UTC"}},
    )


def build_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def build_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for read-only requests: same pool, connections in autocommit."""
    return build_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))


SESSION_STATE_KEY = "govhub_session"
SESSION_FACTORY_KEY = "govhub_session_factory"


def session_of(request: Request) -> AsyncSession:
    """The session of this request: opened here on first use, with the factory
    `TransactionMiddleware` chose for the request, which closes it at the end."""
    state = request.scope.get("state", {})
    session: AsyncSession | None = state.get(SESSION_STATE_KEY)
    if session is None:
        factory: async_sessionmaker[AsyncSession] | None = state.get(SESSION_FACTORY_KEY)
        if factory is None:  # a route outside the middleware (should not happen)
            raise RuntimeError("TransactionMiddleware is not installed")
        session = state[SESSION_STATE_KEY] = factory()
    return session


async def get_session(request: Request) -> AsyncSession:
    # async, so FastAPI calls it in the loop instead of sending it to the thread pool
    return session_of(request)


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A unit of work outside a request (worker, CLI): commit on success, roll back on error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


class Prepared:
    """A Core statement compiled once into the driver's SQL, for the hottest paths.

    Running a Core statement through SQLAlchemy builds it, computes its cache key, opens a
    session transaction and processes the result on every call: a GET by id spent more
    time there than in the database, an intake twice as long as all its statements. A
    `Prepared` is built by a repository from the same Core statement (so SQL is still
    written in one place), compiled once for asyncpg, and runs on an asyncpg connection:
    one of the engine's pool in autocommit (`one`), or the connection of a unit of work
    (`row`, `rows`, `execute`). asyncpg keeps the server-side prepared statement per
    connection. Values are passed as the driver takes them (JSONB as JSON text).
    """

    _dialect = PGDialect_asyncpg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=self._dialect)
        self.sql = str(compiled)
        self.names = tuple(compiled.positiontup or ())  # type: ignore[attr-defined]
        # values built into the statement (a LIMIT, a literal); the others must be given
        self.defaults = {
            name: value
            for name, value in compiled.params.items()
            if not compiled.binds[name].required  # type: ignore[attr-defined]
        }

    def _args(self, params: dict[str, Any]) -> list[Any]:
        given = self.defaults | params
        return [given[name] for name in self.names]

    async def one(self, engine: AsyncEngine, **params: Any) -> SimpleNamespace | None:
        """The first row (its columns as attributes) on a pooled connection, or None."""
        connection = await engine.raw_connection()
        try:
            return await self.row(connection.driver_connection, **params)
        finally:
            # returning it may roll back (a no-op here): SQLAlchemy wants its greenlet
            await greenlet_spawn(connection.close)

    async def row(self, driver: Any, **params: Any) -> SimpleNamespace | None:
        record = await driver.fetchrow(self.sql, *self._args(params))
        return None if record is None else SimpleNamespace(**record)

    async def rows(self, driver: Any, **params: Any) -> list[Any]:
        """The rows as asyncpg records (mappings)."""
        return list(await driver.fetch(self.sql, *self._args(params)))

    async def execute(self, driver: Any, **params: Any) -> None:
        await driver.execute(self.sql, *self._args(params))


async def driver_of(session: AsyncSession) -> Any:
    """The asyncpg connection under `session` (checked out of the pool if need be)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def engine_of(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine
