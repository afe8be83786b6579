"""SQL for staff users and the failed sign-in counter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.pagination import PageParams, paginate
from services.directory.models import LoginThrottle, Organization, User
from services.directory.repository.base import text_match, visible, within


async def get_visible(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID
) -> User | None:
    return await session.scalar(
        select(User).where(User.id == user_id, visible(principal, User.organization_id))
    )


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.username) == username.lower()))


async def for_sign_in(session: AsyncSession, username: str) -> tuple[User, bool] | None:
    """The user and whether their organization is active (one query, the unique index)."""
    row = (
        await session.execute(
            select(User, Organization.active)
            .join(Organization, Organization.id == User.organization_id)
            .where(func.lower(User.username) == username.lower())
        )
    ).first()
    return (row[0], bool(row[1])) if row else None


@dataclass(frozen=True)
class UserFilters:
    organization_id: uuid.UUID | None = None
    role: str | None = None
    active: bool | None = None
    q: str | None = None


async def list_visible(
    session: AsyncSession, principal: Principal, filters: UserFilters, page: PageParams
) -> tuple[list[User], str | None]:
    stmt: Select[Any] = select(User).where(
        visible(principal, User.organization_id),
        within(User.organization_id, filters.organization_id),
    )
    if filters.role is not None:
        stmt = stmt.where(User.roles.contains([filters.role]))
    if filters.active is not None:
        stmt = stmt.where(User.active.is_(filters.active))
    if filters.q:
        stmt = stmt.where(
            text_match(filters.q, User.username, User.full_name_ar, User.full_name_en, User.email)
        )
    return await paginate(session, stmt, [User.created_at, User.id], page)


# ------------------------------------------------------------------ failed sign-in counter


# One statement counts the attempt and answers whether it may be checked: attempts are
# numbered under the row's lock, so concurrent attempts can never all see "not locked
# yet". A count starts afresh when the window is over or a lock has ended; the attempt
# that reaches `limit` sets the lock (and is itself still checked: a right password
# clears it); every later one is refused without checking the password.
_CLAIM_ATTEMPT = text(
    """
    INSERT INTO directory_login_throttle AS t
        (username, failures, first_failed_at, last_failed_at, locked_until)
    VALUES (:username, 1, now(), now(),
            CASE WHEN 1 >= :limit THEN now() + make_interval(secs => :lock) END)
    ON CONFLICT (username) DO UPDATE SET
        failures = CASE WHEN FRESH THEN 1 ELSE t.failures + 1 END,
        first_failed_at = CASE WHEN FRESH THEN now() ELSE t.first_failed_at END,
        locked_until = CASE
            WHEN FRESH THEN CASE WHEN 1 >= :limit THEN now() + make_interval(secs => :lock) END
            WHEN t.locked_until IS NOT NULL THEN t.locked_until
            WHEN t.failures + 1 >= :limit THEN now() + make_interval(secs => :lock)
        END,
        last_failed_at = now()
    RETURNING failures, locked_until
    """.replace(
        # a fresh count: the lock has ended, or (never locked) the window is over
        "FRESH",
        "(t.locked_until <= now() OR (t.locked_until IS NULL"
        " AND t.first_failed_at < now() - make_interval(secs => :window)))",
    )
)


@dataclass(frozen=True)
class Attempt:
    number: int  # this attempt's place in the username's current count (1 = first)
    locked_until: Any  # when the lock ends, if the count has reached the limit


async def claim_attempt(
    session: AsyncSession, username: str, *, limit: int, window: timedelta, lock: timedelta
) -> Attempt:
    """Counts a sign-in attempt for `username` before its password is checked (one atomic
    upsert; on an autocommit session its row lock lasts that one statement). The attempt
    may be checked when `number <= limit`. When a count starts, rows idle for a day are
    swept."""
    key = username.lower()
    row = (
        await session.execute(
            _CLAIM_ATTEMPT,
            {
                "username": key,
                "limit": limit,
                "window": window.total_seconds(),
                "lock": lock.total_seconds(),
            },
        )
    ).one()
    attempt = Attempt(int(row.failures), row.locked_until)
    if attempt.number == 1:
        await session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.last_failed_at < func.now() - timedelta(days=1),
                LoginThrottle.username != key,
            )
        )
    return attempt


# Takes back an attempt whose password was never checked (the hashing was at capacity):
# the count goes down by one, and a lock that only this attempt's number had reached ends.
# Concurrent attempts keep their own numbers; the rule "at most `limit` passwords checked
# per count" is unchanged, since this attempt checked none.
_RELEASE_ATTEMPT = text(
    """
    UPDATE directory_login_throttle SET
        failures = failures - 1,
        locked_until = CASE WHEN failures - 1 < :limit THEN NULL ELSE locked_until END
    WHERE username = :username AND failures > 0
    """
)


async def release_attempt(session: AsyncSession, username: str, *, limit: int) -> None:
    await session.execute(_RELEASE_ATTEMPT, {"username": username.lower(), "limit": limit})


async def clear_failures(session: AsyncSession, username: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.username == username.lower()))


async def signed_in(
    session: AsyncSession, user_id: uuid.UUID, username_key: str, new_hash: str | None
) -> None:
    """Stamps the sign-in (not a change of the resource: `updated_at` stays), upgrades the
    hash when its parameters are outdated, and clears failed attempts."""
    values: dict[str, Any] = {"last_login_at": func.now(), "updated_at": User.updated_at}
    if new_hash is not None:
        values["password_hash"] = new_hash
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await clear_failures(session, username_key)
