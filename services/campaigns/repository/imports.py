"""SQL of the campaigns' imports: rows by their external key, ids by their codes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Axis, Initiative, Kpi, KpiValue


async def initiative_by_key(
    session: AsyncSession, source: str, external_id: str
) -> Initiative | None:
    """The initiative imported under that key, locked for the batch."""
    return await session.scalar(
        select(Initiative)
        .where(Initiative.external_source == source, Initiative.external_id == external_id)
        .with_for_update()
    )


async def value_by_key(session: AsyncSession, source: str, external_id: str) -> KpiValue | None:
    """The KPI value imported under that key, locked for the batch."""
    return await session.scalar(
        select(KpiValue)
        .where(KpiValue.external_source == source, KpiValue.external_id == external_id)
        .with_for_update()
    )


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
