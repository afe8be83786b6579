"""SQL of the campaigns' imports: rows by their external key, ids by their codes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Axis, Initiative, Kpi, KpiValue


async def initiatives_by_key(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Initiative]:
    """The initiatives imported under these keys, locked for the batch (in id order)."""
    if not keys:
        return {}
    found = await session.scalars(
        select(Initiative)
        .where(
            Initiative.external_id.is_not(None),
            tuple_(Initiative.external_source, Initiative.external_id).in_(list(keys)),
        )
        .order_by(Initiative.id)
        .with_for_update()
    )
    return {(i.external_source or "", i.external_id or ""): i for i in found}


async def values_by_key(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], KpiValue]:
    """The KPI values imported under these keys, locked for the batch (in id order)."""
    if not keys:
        return {}
    found = await session.scalars(
        select(KpiValue)
        .where(
            KpiValue.external_id.is_not(None),
            tuple_(KpiValue.external_source, KpiValue.external_id).in_(list(keys)),
        )
        .order_by(KpiValue.id)
        .with_for_update()
    )
    return {(v.external_source or "", v.external_id or ""): v for v in found}


async def axis_id_by_code(session: AsyncSession, code: str) -> uuid.UUID | None:
    return await session.scalar(select(Axis.id).where(Axis.code == code))


async def initiative_id_by_code(
    session: AsyncSession, organization_id: uuid.UUID, code: str
) -> uuid.UUID | None:
    return await session.scalar(
        select(Initiative.id).where(
            Initiative.organization_id == organization_id, Initiative.code == code
        )
    )


async def kpi_id_by_code(
    session: AsyncSession, chain: Sequence[uuid.UUID], code: str
) -> uuid.UUID | None:
    """The KPI of that code owned by the first organization of `chain` (nearest first)
    that has one."""
    rows = await session.execute(
        select(Kpi.organization_id, Kpi.id).where(
            Kpi.code == code, Kpi.organization_id.in_(list(chain))
        )
    )
    owners = {org: kpi_id for org, kpi_id in rows.all()}
    return next((owners[org] for org in chain if org in owners), None)
