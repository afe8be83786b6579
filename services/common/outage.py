"""A lost database is an outage, not a bug: 503 problems with Retry-After, logged once.

When PostgreSQL goes away (killed, restarting, out of connections) every request that needs
it fails with a driver error. Rendered as 500 with a traceback each, an outage of seconds
filled the log with thousands of them. `is_database_unavailable` recognizes those errors
(a refused or broken connection, the server shutting down or starting up) through
SQLAlchemy's and asyncpg's wrappings; the kernel answers them 503 `database_unavailable`
with `Retry-After`, and `OutageLog` writes one line when the outage starts, one summary per
interval while it lasts, and one when the database answers again. The pools open fresh
connections on their own once the server is back, so nothing needs a restart.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError, PendingRollbackError
from sqlalchemy.exc import InterfaceError as SAInterfaceError

from services.common.errors import DomainError

logger = logging.getLogger("govhub.db")

RETRY_AFTER_SECONDS = 5
# connection exceptions (08…), the server shutting down or starting up (57P01–57P03),
# too many connections (53300)
_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_DRIVER_ERRORS = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.InterfaceError,
    asyncpg.ConnectionDoesNotExistError,
    ConnectionError,
    OSError,
    TimeoutError,
)


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) says the database cannot be reached right now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, SAInterfaceError):
            return True
        # the next statement of a transaction whose connection was lost (and invalidated):
        # "Can't reconnect until invalid transaction is rolled back" (SQLAlchemy's 8s2b)
        if isinstance(current, PendingRollbackError) and current.code == "8s2b":
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _SQLSTATES):
            return True
        if isinstance(current, _DRIVER_ERRORS):
            return True
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return False


class DatabaseUnavailable(DomainError):
    def __init__(self, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(
            "قاعدة البيانات غير متاحة مؤقتاً؛ أعد المحاولة بعد قليل",
            "The database is unavailable for the moment; retry shortly",
            "database_unavailable",
            503,
            headers={"Retry-After": str(retry_after)},
        )


class OutageLog:
    """One warning when an outage starts, one summary per `interval` while it lasts."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self.since: float | None = None
        self.last_logged = 0.0
        self.refused = 0

    def failed(self, exc: BaseException, where: str) -> None:
        now = time.monotonic()
        self.refused += 1
        if self.since is None:
            self.since, self.last_logged = now, now
            logger.warning("database unavailable (%s): %s", where, _short(exc))
        elif now - self.last_logged >= self.interval:
            self.last_logged = now
            logger.warning(
                "database still unavailable after %.0f s (%d requests answered 503): %s",
                now - self.since,
                self.refused,
                _short(exc),
            )

    def recovered(self) -> None:
        if self.since is not None:
            logger.warning(
                "database available again after %.0f s (%d requests answered 503)",
                time.monotonic() - self.since,
                self.refused,
            )
            self.since, self.refused = None, 0


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return text[:300]


outage_log = OutageLog()


def unavailable_problem() -> dict[str, Any]:
    return DatabaseUnavailable().to_problem()
