"""SQL of the Open311 views: jurisdictions, machine-client keys, public categories and the
public request lists (built on the inquiries repository's list statement and keyset)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Select, String, column, func, select, table
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.orgtree import organization as tree
from services.common.orgtree import subtree_ids_query
from services.common.pagination import PageParams, encode_cursor
from services.inquiries.domain.filters import InquiryFilters
from services.inquiries.models import Category, Inquiry
from services.inquiries.repository import inquiries as repository

# Read-only views of the directory's tables (services never import each other).
organization = table(
    "directory_organization",
    column("id", UUID(as_uuid=True)),
    column("code", String()),
    column("name_ar", String()),
    column("name_en", String()),
    column("active", Boolean()),
)
api_client = table(
    "directory_api_client",
    column("client_id", String()),
    column("organization_id", UUID(as_uuid=True)),
    column("scopes", ARRAY(String())),
    column("secret_hash", String()),
    column("active", Boolean()),
)

# journalists' questions are no public service requests, whatever their category
NOT_PUBLIC_KINDS = ("media_request",)


@dataclass(frozen=True)
class Jurisdiction:
    id: uuid.UUID
    code: str
    name_ar: str
    name_en: str | None


@dataclass(frozen=True)
class ClientKey:
    client_id: str
    organization_id: uuid.UUID
    scopes: frozenset[str]
    secret_hash: str
    usable: bool  # the client and its organization are active


def _jurisdiction(row: Any) -> Jurisdiction:
    return Jurisdiction(row.id, row.code, row.name_ar, row.name_en)


_JURISDICTION_COLUMNS = (
    organization.c.id,
    organization.c.code,
    organization.c.name_ar,
    organization.c.name_en,
)


async def jurisdiction_by_code(session: AsyncSession, code: str) -> Jurisdiction | None:
    row = (
        await session.execute(
            select(*_JURISDICTION_COLUMNS).where(
                organization.c.code == code, organization.c.active.is_(True)
            )
        )
    ).first()
    return _jurisdiction(row) if row else None


async def service_owners(session: AsyncSession, limit: int = 2) -> list[Jurisdiction]:
    """Active organizations owning a public, active category (at most `limit`)."""
    owners = (
        select(Category.organization_id)
        .where(Category.public.is_(True), Category.active.is_(True))
        .distinct()
        .scalar_subquery()
    )
    rows = await session.execute(
        select(*_JURISDICTION_COLUMNS)
        .where(organization.c.id.in_(owners), organization.c.active.is_(True))
        .order_by(organization.c.code)
        .limit(limit)
    )
    return [_jurisdiction(row) for row in rows]


async def client_key(session: AsyncSession, client_id: str) -> ClientKey | None:
    row = (
        await session.execute(
            select(
                api_client.c.client_id,
                api_client.c.organization_id,
                api_client.c.scopes,
                api_client.c.secret_hash,
                api_client.c.active,
                organization.c.active.label("organization_active"),
            )
            .join(organization, organization.c.id == api_client.c.organization_id)
            .where(api_client.c.client_id == client_id)
        )
    ).first()
    if row is None:
        return None
    return ClientKey(
        client_id=row.client_id,
        organization_id=row.organization_id,
        scopes=frozenset(row.scopes or ()),
        secret_hash=row.secret_hash,
        usable=bool(row.active and row.organization_active),
    )


async def ancestor_ids(session: AsyncSession, org_id: uuid.UUID) -> list[uuid.UUID]:
    """The organization and the ones above it, nearest first."""
    path = select(tree.c.path).where(tree.c.id == org_id).scalar_subquery()
    rows = await session.scalars(
        select(tree.c.id)
        .where(tree.c.path.op("@>")(path))
        .order_by(func.nlevel(tree.c.path).desc())
    )
    return list(rows)


async def subtree_ids(session: AsyncSession, root: uuid.UUID) -> list[uuid.UUID]:
    return list(await session.scalars(subtree_ids_query(root)))


async def public_categories(session: AsyncSession, org_ids: Sequence[uuid.UUID]) -> list[Category]:
    """The public categories of these organizations, active or not."""
    rows = await session.scalars(
        select(Category)
        .where(Category.organization_id.in_(list(org_ids)), Category.public.is_(True))
        .order_by(Category.code, Category.id)
    )
    return list(rows)


async def categories_by_id(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Category]:
    if not ids:
        return {}
    rows = await session.scalars(select(Category).where(Category.id.in_(list(set(ids)))))
    return {row.id: row for row in rows}


async def catalog_changeset(session: AsyncSession) -> datetime | None:
    """The last change of any category (a service appeared, changed or went private)."""
    changed: datetime | None = await session.scalar(select(func.max(Category.updated_at)))
    return changed


async def organization_names(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str | None]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(organization.c.id, organization.c.name_ar, organization.c.name_en).where(
            organization.c.id.in_(list(set(ids)))
        )
    )
    return {row.id: (row.name_ar, row.name_en) for row in rows}


def _public(codes: Sequence[str] = ()) -> list[Any]:
    """Public requests: in a public category (of any organization: categories apply down
    the tree, and a transfer may keep the sender's), never a media request."""
    public = select(Category.id).where(Category.public.is_(True))
    if codes:
        public = public.where(Category.code.in_(list(codes)))
    return [Inquiry.category_id.in_(public), Inquiry.kind.not_in(NOT_PUBLIC_KINDS)]


def requests_statement(
    org_ids: Sequence[uuid.UUID],
    codes: Sequence[str],
    states: Sequence[str],
    start: datetime,
    end: datetime,
    now: datetime,
) -> Select[Any]:
    """Public requests owned by `org_ids`, in categories coded `codes` (any if empty),
    received in [start, end], in `states` (any if empty): the inquiries list statement
    (same filters, same indexes) narrowed to them."""
    # `created_to` is exclusive; timestamps have microsecond precision (an end at the last
    # instant Python holds has nothing after it: no bound)
    try:
        created_to: datetime | None = end + timedelta(microseconds=1)
    except OverflowError:
        created_to = None
    filters = InquiryFilters(status=list(states), created_from=start, created_to=created_to)
    return repository.list_statement(filters, now, org_ids).where(*_public(codes))


async def requests_page(
    session: AsyncSession, stmt: Select[Any], page: PageParams
) -> tuple[list[Inquiry], str | None]:
    """One page in the inquiries list order (newest first), keyset after `page.cursor`."""
    return await repository.list_page(session, stmt, page)


async def cursor_before(session: AsyncSession, stmt: Select[Any], skipped: int) -> str | None:
    """A keyset cursor after the first `skipped` rows of `stmt` (None: there are fewer).

    A page number has no cursor to start from: the boundary is found on the (created_at,
    id) keys alone, then the page itself is read by keyset like any other."""
    keys = (
        await session.execute(
            stmt.with_only_columns(Inquiry.created_at, Inquiry.id)
            .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
            .offset(skipped - 1)
            .limit(1)
        )
    ).first()
    return encode_cursor([keys[0], keys[1]]) if keys else None


async def requests_by_reference(
    session: AsyncSession, references: Sequence[str], org_ids: Sequence[uuid.UUID]
) -> list[Inquiry]:
    rows = await session.scalars(
        select(Inquiry)
        .where(
            Inquiry.reference.in_(list(references)),
            Inquiry.organization_id.in_(list(org_ids)),
            *_public(),
        )
        .order_by(Inquiry.created_at.desc(), Inquiry.id.desc())
    )
    return list(rows)
