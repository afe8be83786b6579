"""Staff users: who may grant which roles, passwords, disable/enable, self-service."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import Forbidden, NotFound
from services.common.pagination import PageParams
from services.common.permissions import grantable_roles
from services.directory.domain.passwords import password_problem
from services.directory.errors import forbidden, invalid
from services.directory.models import User
from services.directory.repository import users as repo
from services.directory.repository.base import flush
from services.directory.schemas.users import PasswordChange, UserCreate, UserUpdate
from services.directory.service.common import record, state_action, visible_organization
from services.directory.service.passwords import NO_PASSWORD, Passwords

# never `password_hash`: audit entries are served to administrators
_FIELDS = (
    "username",
    "full_name_ar",
    "full_name_en",
    "email",
    "phone",
    "organization_id",
    "roles",
    "active",
)


def snapshot(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in _FIELDS}


def ensure_may_grant(principal: Principal, roles: set[str]) -> None:
    allowed = grantable_roles(principal.kind, principal.roles, principal.permissions)
    refused = sorted(roles - allowed)
    if refused:
        names = ", ".join(refused)
        raise forbidden("roles", f"لا يمكنك منح الأدوار: {names}", f"You may not grant: {names}")


def ensure_may_set_password(principal: Principal, user: User | None = None) -> None:
    """Who may set or reset another user's password.

    A machine client never: it would choose a password and then sign in as the user,
    stepping up from its scopes to the user's roles. It creates users without one, and a
    staff administrator sets it. An org_admin never resets the password of a peer
    administrator (an org_admin of its own organization): that would let one take over
    the other's account; an administrator above (of a parent organization, or a
    sector_admin) does it, or the peer changes it at `/v1/users/me/password`."""
    if principal.kind == "client":
        raise forbidden(
            "password",
            "لا يمكن لعميل آلي تعيين كلمة مرور مستخدم",
            "A machine client may not set or reset a user's password",
        )
    if (
        user is not None
        and not principal.is_sector_admin
        and not _is_self(principal, user)
        and "org_admin" in user.roles
        and user.organization_id == principal.organization_id
    ):
        raise forbidden(
            "password",
            "لا يمكنك إعادة تعيين كلمة مرور مدير آخر في جهتك",
            "You may not reset the password of another administrator of your organization",
        )


def _check_password(field: str, password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise invalid(field, *problem)


async def get(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    user = await repo.get_visible(session, principal, user_id)
    if user is None:
        raise NotFound("المستخدم", "user")
    return user


async def create(
    session: AsyncSession, principal: Principal, passwords: Passwords, data: UserCreate
) -> User:
    await visible_organization(session, principal, data.organization_id, "organization_id")
    ensure_may_grant(principal, set(data.roles))
    if data.password is not None:
        ensure_may_set_password(principal)
        _check_password("password", data.password, data.username)
    user = User(
        id=uuid.uuid4(),
        username=data.username,
        full_name_ar=data.full_name_ar,
        full_name_en=data.full_name_en,
        email=data.email,
        phone=data.phone,
        organization_id=data.organization_id,
        roles=list(data.roles),
        password_hash=NO_PASSWORD if data.password is None else await passwords.hash(data.password),
        password_changed_at=None if data.password is None else func.now(),
        active=data.active,
    )
    session.add(user)
    await flush(session)
    await session.refresh(user)
    await record(
        session, principal, "create", "user", user.id, user.organization_id, snapshot(user)
    )
    return user


def _is_self(principal: Principal, user: User) -> bool:
    return principal.kind == "user" and principal.subject == str(user.id)


async def update(
    session: AsyncSession,
    principal: Principal,
    passwords: Passwords,
    user: User,
    data: UserUpdate,
) -> User:
    fields = data.model_fields_set
    if _is_self(principal, user):
        for name in ("roles", "active", "organization_id"):
            if name in fields:
                raise forbidden(
                    name, "لا يمكنك تغيير هذا لحسابك", "You cannot change this for yourself"
                )
    ensure_may_grant(principal, set(user.roles))  # may not touch those who outrank the caller
    if "roles" in fields and data.roles is not None:
        ensure_may_grant(principal, set(data.roles))
    if "organization_id" in fields and data.organization_id is not None:
        await visible_organization(session, principal, data.organization_id, "organization_id")
    before = snapshot(user)
    for name in ("full_name_ar", "full_name_en", "email", "phone", "organization_id", "active"):
        if name in fields:
            setattr(user, name, getattr(data, name))
    if "roles" in fields and data.roles is not None:
        user.roles = list(data.roles)
    changes: dict[str, Any] = {}
    if "password" in fields and data.password is not None:
        ensure_may_set_password(principal, user)
        _check_password("password", data.password, user.username)
        user.password_hash = await passwords.hash(data.password)
        user.password_changed_at = func.now()
        changes["password"] = "reset"  # noqa: S105 (what happened, not a password)
    await flush(session)
    await session.refresh(user)
    changes |= diff(before, snapshot(user))
    if changes:
        await record(
            session,
            principal,
            state_action(changes),
            "user",
            user.id,
            user.organization_id,
            changes,
        )
    return user


async def me(session: AsyncSession, principal: Principal) -> User:
    if principal.kind != "user":
        raise Forbidden("هذا المسار للموظفين فقط", "Only staff users have a profile")
    try:
        user_id = uuid.UUID(principal.subject)
    except ValueError as exc:
        raise NotFound("المستخدم", "user") from exc
    user = await repo.get(session, user_id)
    if user is None:
        raise NotFound("المستخدم", "user")
    return user


async def change_password(
    session: AsyncSession, principal: Principal, passwords: Passwords, data: PasswordChange
) -> None:
    user = await me(session, principal)
    if not await passwords.verify(user.password_hash, data.current_password):
        raise invalid(
            "current_password", "كلمة المرور الحالية غير صحيحة", "The current password is wrong"
        )
    if data.new_password == data.current_password:
        raise invalid("new_password", "اختر كلمة مرور جديدة", "Choose a new password")
    _check_password("new_password", data.new_password, user.username)
    user.password_hash = await passwords.hash(data.new_password)
    user.password_changed_at = func.now()
    await flush(session)
    await record(
        session,
        principal,
        "change_password",
        "user",
        user.id,
        user.organization_id,
        {"password": "changed"},
    )


# The list's filters are the repository's query description; routers take them here.
UserFilters = repo.UserFilters


async def list_visible(
    session: AsyncSession, principal: Principal, filters: UserFilters, page: PageParams
) -> tuple[list[User], str | None]:
    """The users the principal may see, filtered; one page (keyset)."""
    return await repo.list_visible(session, principal, filters, page)
