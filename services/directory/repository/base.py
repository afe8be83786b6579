"""Shared SQL helpers: flushing with duplicate detection, Arabic-insensitive matching."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

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


# Arabic letter variants folded together, diacritics (U+064B–U+0652) and tatweel dropped.
_FOLD_FROM = "أإآٱىةؤئ"
_FOLD_TO = "اااايهوي"
_STRIP = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0640"


def normalize_arabic(value: str) -> str:
    table = str.maketrans(_FOLD_FROM, _FOLD_TO, _STRIP)
    return value.translate(table).lower()


def _normalized_sql(column: Any) -> ColumnElement[str]:
    folded = func.translate(column, _FOLD_FROM + _STRIP, _FOLD_TO)
    return func.lower(folded)


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_match(query: str, *columns: Any) -> ColumnElement[bool]:
    """Any of the columns contains `query`, ignoring case, diacritics and letter variants."""
    pattern = _like_pattern(normalize_arabic(query.strip()))
    return or_(*[_normalized_sql(c).like(pattern, escape="\\") for c in columns])


def visible(principal: Principal, column: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """Rows whose organization column the principal sees (orgtree's visibility rule)."""
    return visible_to(principal, column.expression)


def within(column: QueryableAttribute[Any], root_id: Any) -> ColumnElement[bool]:
    """Rows whose organization column is `root_id` or below it; no filter when None."""
    return in_subtree(column.expression, root_id) if root_id is not None else true()
