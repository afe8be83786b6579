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


class PreparedRead:
    """A read compiled once into the driver's SQL, for the hottest single-row lookups.

    Running a Core statement through SQLAlchemy builds it, computes its cache key, opens a
    session transaction and processes the result on every call: a GET by id spent more
    time there than in the database. A `PreparedRead` is built by the repository from the
    same Core statement (so SQL is still written in one place), compiled once for asyncpg,
    and runs on a connection of the engine's pool in autocommit, as reads do; asyncpg
    keeps its server-side prepared statement per connection.
    """

    _dialect = PGDialect_asyncpg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]

    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=self._dialect)
        self.sql = str(compiled)
        self.names = tuple(compiled.positiontup or ())  # type: ignore[attr-defined]

    async def one(self, engine: AsyncEngine, **params: Any) -> SimpleNamespace | None:
        """The first row (its columns as attributes), or None."""
        args = [params[name] for name in self.names]
        connection = await engine.raw_connection()
        try:
            record = await connection.driver_connection.fetchrow(self.sql, *args)  # type: ignore[union-attr]
        finally:
            # returning it may roll back (a no-op here): SQLAlchemy wants its greenlet
            await greenlet_spawn(connection.close)
        return None if record is None else SimpleNamespace(**record)


def engine_of(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine
