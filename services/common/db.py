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

import asyncpg
from fastapi import Depends, Request
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.expression import ClauseElement

from services.common.embedded import to_async_url
from services.common.pool_metrics import TimedQueuePool, acquire
from services.common.settings import GovhubSettings


def resolve_database_url(settings: GovhubSettings) -> str:
    """The configured server, or the embedded one under the data dir (started if needed)."""
    if settings.database_url:
        return settings.database_url
    from services.common.embedded import EmbeddedDatabase

    return EmbeddedDatabase(settings.resolved_data_dir, stop_on_close=False).start()


SERVER_SETTINGS = {"application_name": "govhub", "timezone": "UTC"}
# asyncpg waits 60 s for a connection by default; a database that is down should answer 503
# (services.common.outage) within seconds, not hold the request for a minute
CONNECT_TIMEOUT_SECONDS = 5.0
# connection arguments SQLAlchemy's asyncpg adapter takes for itself, not the driver's
_ADAPTER_ARGUMENTS = ("prepared_statement_cache_size", "prepared_statement_name_func")


def build_engine(url: str, settings: GovhubSettings) -> AsyncEngine:
    return create_async_engine(
        to_async_url(url),
        poolclass=TimedQueuePool,  # the checkout waits on /metrics
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        connect_args={"server_settings": SERVER_SETTINGS, "timeout": CONNECT_TIMEOUT_SECONDS},
    )


async def _keep(connection: asyncpg.Connection) -> None:
    """The reset of `build_driver_pool`'s pools: their connections only run statements in
    autocommit (`Prepared.one`, the intake's batches), so there is no session state to
    undo — asyncpg's default reset is a round trip of RESET ALL, UNLISTEN, CLOSE ALL and an
    advisory unlock on every release."""
    if connection.is_in_transaction():  # never, by construction; but never leak one either
        await connection.execute("ROLLBACK")


async def build_read_pool(engine: AsyncEngine, settings: GovhubSettings) -> asyncpg.Pool:
    """The asyncpg pool of the hottest reads (`Prepared.one`), beside the engine's: the same
    server and connection settings, opened on first use. A checkout of the engine's pool
    goes through SQLAlchemy's pool events and two greenlet switches; for a read by id that
    was a fifth of its time."""
    return await build_driver_pool(engine, settings.db_read_pool_size)


async def build_driver_pool(engine: AsyncEngine, size: int) -> asyncpg.Pool:
    """An asyncpg pool beside the engine's, on the same server with the same settings, for
    connections that only ever run statements in autocommit (each its own transaction, or
    a pipeline of them in one implicit transaction): opened on first use, `size` at most."""
    _, arguments = engine.dialect.create_connect_args(engine.url)
    for name in _ADAPTER_ARGUMENTS:
        arguments.pop(name, None)
    arguments["timeout"] = CONNECT_TIMEOUT_SECONDS
    return await asyncpg.create_pool(
        **arguments,
        server_settings=SERVER_SETTINGS,
        min_size=0,
        max_size=size,
        reset=_keep,
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


def open_session(request: Request) -> AsyncSession | None:
    """The session of this request if something has opened it, else None."""
    session: AsyncSession | None = request.scope.get("state", {}).get(SESSION_STATE_KEY)
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
    one of the read pool (`build_read_pool`) in autocommit (`one`, `all`), or the
    connection of a unit of work (`row`, `rows`, `execute`). asyncpg keeps the server-side prepared
    statement per connection. Values are passed as the driver takes them (JSONB as JSON
    text).
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

    def arguments(self, params: dict[str, Any]) -> list[Any]:
        """The statement's positional arguments from named parameters."""
        given = self.defaults | params
        return [given[name] for name in self.names]

    async def one(self, pool: asyncpg.Pool, **params: Any) -> SimpleNamespace | None:
        """The first row (its columns as attributes) on a connection of the read pool, or
        None."""
        async with acquire(pool) as connection:
            return await self.row(connection, **params)

    async def all(self, pool: asyncpg.Pool, **params: Any) -> list[Any]:
        """The rows (asyncpg records) on a connection of the read pool."""
        async with acquire(pool) as connection:
            return await self.rows(connection, **params)

    async def row(self, driver: Any, **params: Any) -> SimpleNamespace | None:
        record = await driver.fetchrow(self.sql, *self.arguments(params))
        return None if record is None else SimpleNamespace(**record)

    async def rows(self, driver: Any, **params: Any) -> list[Any]:
        """The rows as asyncpg records (mappings)."""
        return list(await driver.fetch(self.sql, *self.arguments(params)))

    async def execute(self, driver: Any, **params: Any) -> None:
        await driver.execute(self.sql, *self.arguments(params))


async def driver_of(session: AsyncSession) -> Any:
    """The asyncpg connection under `session` (checked out of the pool if need be)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def read_pool_of(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.read_pool
    return pool
