"""Keyset pagination: `?limit=` and an opaque `?cursor=`, never OFFSET."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import Integer, Select, and_, bindparam, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import Label

from services.common.errors import BadRequest

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T] = Field(description="This page of results.")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–500).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=500, description="Opaque cursor from `next_cursor`.")
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):  # a calendar day (a datetime was caught above)
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "u" in value:
            return uuid.UUID(value["u"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_BIGINT = 2**63


def _fits(value: Any, expected: type | None) -> bool:
    """Whether a decoded cursor value can stand for a column of `expected` Python type:
    the database must never be the one to find out (a 500 instead of a 400)."""
    if isinstance(value, str) and "\x00" in value:
        return False
    if expected is None:
        return True
    if expected is datetime:
        return isinstance(value, datetime)
    if expected is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if expected is int:
        return (
            isinstance(value, int) and not isinstance(value, bool) and -_BIGINT <= value < _BIGINT
        )
    if expected is bool:
        return isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, expected)


def _python_type(key: InstrumentedAttribute[Any] | Label[Any]) -> type | None:
    try:
        expected: type = key.type.python_type
    except NotImplementedError:
        return None
    return expected


def decode_cursor(cursor: str, width: int, types: Sequence[type | None] | None = None) -> list[Any]:
    """The values of a cursor of `width` keys; with `types`, each must be of its key's
    Python type. Anything else — not base64, not JSON, the wrong shape or types — is 400
    `invalid_cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != width:
            raise ValueError
        decoded = [_decode_value(v) for v in values]
        expected = types if types is not None else [None] * width
        if not all(_fits(v, t) for v, t in zip(decoded, expected, strict=True)):
            raise ValueError
        return decoded
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise BadRequest(
            "مؤشر الصفحة غير صالح", "The cursor is not valid", code="invalid_cursor"
        ) from exc


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    keys: Sequence[InstrumentedAttribute[Any] | Label[Any]],
    page: PageParams,
    *,
    descending: bool = True,
    rows: bool = False,
    columns: bool = False,
) -> tuple[list[Any], str | None]:
    """Runs `stmt` ordered by `keys`, one page after `page.cursor`: ORM objects, or with
    `rows` the statement's rows (e.g. an entity with its keys), or with `columns` the
    rows of a select of columns only (no entity), run as Core.

    `keys` must end with a unique column (usually the id) so the order is total, and with
    `rows` the statement must select them. A key may be a labelled expression the
    statement selects (a search's relevance), ordered by its label.
    """
    if page.cursor:
        values = decode_cursor(page.cursor, len(keys), [_python_type(k) for k in keys])
        stmt = stmt.where(keyset_after(keys, values, descending))
    order = [k.desc() if descending else k.asc() for k in keys]
    stmt = stmt.order_by(*order).limit(page.limit + 1)
    if columns:
        # a select of columns only runs as Core on the session's connection: the ORM's
        # execution (its compile state, its result processing) cost about a quarter of a page
        found: list[Any] = list(await (await session.connection()).execute(stmt))
    else:
        result = await session.execute(stmt)
        found = list(result if rows else result.scalars())
    next_cursor = None
    if len(found) > page.limit:
        found = found[: page.limit]
        last = found[-1]
        next_cursor = encode_cursor([getattr(last, k.key) for k in keys])
    return found, next_cursor


async def paginate_branches(
    session: AsyncSession,
    branches: Sequence[Select[Any]],
    keys: Sequence[InstrumentedAttribute[Any]],
    page: PageParams,
    *,
    descending: bool = True,
) -> tuple[list[Any], str | None]:
    """`paginate(..., rows=True)` over the union of `branches` (`branches_statement`)."""
    stmt = branches_statement(branches, keys, descending=descending, after=bool(page.cursor))
    # columns only: run as Core on the session's connection (as `paginate(columns=True)`)
    connection = await session.connection()
    found = list(await connection.execute(stmt, branch_values(page, keys)))
    return next_page(found, keys, page, lambda row, key: getattr(row, key))


def branches_statement(
    branches: Sequence[Select[Any]],
    keys: Sequence[InstrumentedAttribute[Any]],
    *,
    descending: bool = True,
    after: bool = False,
) -> Select[Any]:
    """One page of the union of `branches`, in key order: Core selects of the same
    columns whose rows never overlap (e.g. the rows that start inside a window, and the
    ones that started before it and still run). Each branch is ordered and limited on its
    own, so each can walk its own index (a btree in key order, a GiST for the few others)
    instead of one index for everything; the page is merged from theirs, in key order.
    The keys are columns the branches select, found in each by their `key`.

    The page's values are bind parameters (`branch_values`), so the statement can be
    compiled once per shape (`db.Prepared`): `limit` (the page's size plus one) and, with
    `after`, `after_0`, `after_1` … (the cursor's values); each branch also gets the first
    key's bound on its own, so an index on it starts there."""
    bounds = [bindparam(f"after_{i}", type_=k.type) for i, k in enumerate(keys)]
    limit = bindparam("limit", type_=Integer())
    limited = []
    for branch in branches:
        # each branch's own columns for the keys (a branch may select from a subquery)
        own = [branch.selected_columns[k.key] for k in keys]
        if after:
            first = own[0] <= bounds[0] if descending else own[0] >= bounds[0]
            branch = branch.where(first, keyset_after(own, bounds, descending))
        order = [k.desc() if descending else k.asc() for k in own]
        limited.append(branch.order_by(*order).limit(limit))
    merged = union_all(*limited).subquery("page") if len(limited) > 1 else limited[0].subquery()
    merged_keys = [merged.c[k.key] for k in keys]
    outer = select(merged).order_by(*[k.desc() if descending else k.asc() for k in merged_keys])
    return outer.limit(limit)


def branch_values(
    page: PageParams, keys: Sequence[InstrumentedAttribute[Any] | Label[Any]]
) -> dict[str, Any]:
    """The bind values of `branches_statement` for `page` (400 for a bad cursor)."""
    values: dict[str, Any] = {"limit": page.limit + 1}
    if page.cursor:
        decoded = decode_cursor(page.cursor, len(keys), [_python_type(k) for k in keys])
        values |= {f"after_{i}": v for i, v in enumerate(decoded)}
    return values


def next_page(
    found: list[Any],
    keys: Sequence[InstrumentedAttribute[Any] | Label[Any]],
    page: PageParams,
    value: Callable[[Any, str], Any] = lambda row, key: row[key],
) -> tuple[list[Any], str | None]:
    """The page of `found` (read with `limit` = the page's size plus one) and the cursor
    after it (None on the last page); `value(row, key)` reads a key of a row (by default
    as a mapping: an asyncpg record)."""
    if len(found) <= page.limit:
        return found, None
    found = found[: page.limit]
    return found, encode_cursor([value(found[-1], k.key) for k in keys])


def keyset_after(keys: Sequence[Any], values: Sequence[Any], descending: bool) -> Any:
    """The rows after `values` in the order of `keys` (the keyset condition of a page)."""
    # (a, b) < (x, y) spelled out so each column may use its own index direction
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j] == values[j] for j in range(i)]
        beyond = key < values[i] if descending else key > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)
