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


async def locked_until(session: AsyncSession, username: str) -> Any:
    """When the username's lock ends, if it is locked now."""
    return await session.scalar(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.username == username.lower(),
            LoginThrottle.locked_until > func.now(),
        )
    )


_RECORD_FAILURE = text(
    """
    INSERT INTO directory_login_throttle AS t (username, failures, first_failed_at, last_failed_at)
    VALUES (:username, 1, now(), now())
    ON CONFLICT (username) DO UPDATE SET
        failures = CASE WHEN t.first_failed_at < now() - make_interval(secs => :window)
                        THEN 1 ELSE t.failures + 1 END,
        first_failed_at = CASE WHEN t.first_failed_at < now() - make_interval(secs => :window)
                               THEN now() ELSE t.first_failed_at END,
        last_failed_at = now()
    RETURNING failures
    """
)
_LOCK = text(
    """
    UPDATE directory_login_throttle
    SET locked_until = now() + make_interval(secs => :lock), failures = 0,
        first_failed_at = now()
    WHERE username = :username
    """
)


async def record_failure(
    session: AsyncSession, username: str, *, limit: int, window: timedelta, lock: timedelta
) -> bool:
    """Counts a failure (one atomic upsert); the `limit`-th failure within `window` locks the
    username for `lock` and starts a fresh count. Rows idle for a day are swept on the way.
    Returns whether this failure locked the username."""
    key = username.lower()
    failures = await session.scalar(
        _RECORD_FAILURE, {"username": key, "window": window.total_seconds()}
    )
    locked = int(failures or 0) >= limit
    if locked:
        await session.execute(_LOCK, {"username": key, "lock": lock.total_seconds()})
    await session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failed_at < func.now() - timedelta(days=1),
            LoginThrottle.username != key,
        )
    )
    return locked


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
