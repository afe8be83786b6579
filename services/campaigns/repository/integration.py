"""SQL for the integration rubric and overlap detection."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Beneficiary, Initiative, IntegrationCriterion, Kpi, Milestone
from services.campaigns.repository.base import visible
from services.common.auth import Principal

# pg_trgm's default threshold for the `%` operator (which the GIN index serves)
SIMILARITY_THRESHOLD = 0.3
MAX_OVERLAPS = 20


async def criteria(session: AsyncSession) -> list[IntegrationCriterion]:
    rows = await session.scalars(
        select(IntegrationCriterion).order_by(
            IntegrationCriterion.position, IntegrationCriterion.code
        )
    )
    return list(rows)


async def replace_criteria(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await session.execute(delete(IntegrationCriterion))
    for position, row in enumerate(rows):
        session.add(IntegrationCriterion(id=uuid.uuid4(), position=position, **row))
    await session.flush()


async def overlaps(
    session: AsyncSession, principal: Principal, initiative: Initiative
) -> list[tuple[Initiative, float]]:
    """Other organizations' initiatives on the same axis with overlapping dates and similar
    normalized titles, that the caller sees or that are published; best first."""
    similarity = func.similarity(Initiative.title_search, initiative.title_search)
    rows = await session.execute(
        select(Initiative, similarity.label("similarity"))
        .where(
            Initiative.id != initiative.id,
            Initiative.organization_id != initiative.organization_id,
            Initiative.axis_id == initiative.axis_id,
            Initiative.status != "cancelled",
            Initiative.start_date <= initiative.end_date,
            Initiative.end_date >= initiative.start_date,
            Initiative.title_search.op("%")(initiative.title_search),
            or_(visible(principal, Initiative.organization_id), Initiative.published.is_(True)),
        )
        .order_by(similarity.desc(), Initiative.start_date, Initiative.id)
        .limit(MAX_OVERLAPS)
    )
    return [(row[0], float(row[1])) for row in rows]


async def facts(session: AsyncSession, initiative_id: uuid.UUID) -> dict[str, bool]:
    """What the rules check, for one initiative."""

    def exists(model: Any, column: Any) -> Any:
        return select(model.id).where(column == initiative_id).exists()

    row = (
        await session.execute(
            select(
                exists(Kpi, Kpi.initiative_id),
                exists(Milestone, Milestone.initiative_id),
                exists(Beneficiary, Beneficiary.initiative_id),
            )
        )
    ).one()
    return {
        "has_kpis": bool(row[0]),
        "has_milestones": bool(row[1]),
        "has_beneficiaries": bool(row[2]),
    }
