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
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

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
