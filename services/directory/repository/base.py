"""Shared SQL helpers: flushing with duplicate detection, visibility; re-exports the
kernel's Arabic-insensitive `text_match` for the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from services.common.arabic import text_match
from services.common.auth import Principal
from services.common.orgtree import in_subtree, visible_to
from services.directory.errors import duplicate

# unique constraint or index → (field, Arabic noun, English noun)
UNIQUE_FIELDS: dict[str, tuple[str, str, str]] = {
    "uq_directory_organization_code": ("code", "الرمز", "code"),
    "uq_directory_user_username_lower": ("username", "اسم المستخدم", "username"),
    "uq_directory_api_client_client_id": ("client_id", "معرّف العميل", "client_id"),
    "uq_directory_holiday_organization_id": ("date", "التاريخ", "date"),
}


def constraint_name(exc: IntegrityError) -> str | None:
    cause = getattr(exc.orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None) or getattr(exc.orig, "constraint_name", None)
    if name:
        return str(name)
    message = str(exc.orig)
    return next((n for n in UNIQUE_FIELDS if n in message), None)


async def flush(session: AsyncSession) -> None:
    """Flush; a unique violation becomes a 409 naming the field (the request rolls back)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        field = UNIQUE_FIELDS.get(constraint_name(exc) or "")
        if field is None:
            raise
        raise duplicate(*field) from exc


__all__ = ["flush", "text_match", "visible", "within"]


def visible(principal: Principal, column: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """Rows whose organization column the principal sees (orgtree's visibility rule)."""
    return visible_to(principal, column.expression)


def within(column: QueryableAttribute[Any], root_id: Any) -> ColumnElement[bool]:
    """Rows whose organization column is `root_id` or below it; no filter when None."""
    return in_subtree(column.expression, root_id) if root_id is not None else true()
