"""Integration across municipalities (S1-8): a score under the weighted, editable rubric and
the overlapping initiatives of other organizations, so a ministry can merge or coordinate
them. Titles are compared in the hub's Arabic search form (letter variants and diacritics
folded) by trigram similarity."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.errors import conflict
from services.campaigns.models import Initiative, IntegrationCriterion
from services.campaigns.repository import integration as repo
from services.campaigns.schemas.integration import (
    CriteriaIn,
    CriterionResult,
    IntegrationOut,
    Overlap,
)
from services.campaigns.service.common import record, require, require_sector_admin
from services.common.auth import Principal


async def criteria(session: AsyncSession, principal: Principal) -> list[IntegrationCriterion]:
    require(principal, "campaigns:read")
    return await repo.criteria(session)


async def replace_criteria(
    session: AsyncSession, principal: Principal, data: CriteriaIn
) -> list[IntegrationCriterion]:
    require_sector_admin(principal)
    codes = [item.code for item in data.items]
    if len(set(codes)) != len(codes):
        raise conflict(
            "items", "رموز المعايير مكررة", "Criterion codes are repeated", code="duplicate"
        )
    before = [(c.code, str(c.weight)) for c in await repo.criteria(session)]
    await repo.replace_criteria(session, [item.model_dump() for item in data.items])
    rows = await repo.criteria(session)
    await record(
        session,
        principal,
        "update",
        "integration_criteria",
        rows[0].id,
        None,
        {"criteria": [before, [(c.code, str(c.weight)) for c in rows]]},
    )
    return rows


def _overlap_days(a: Initiative, b: Initiative) -> int:
    return (min(a.end_date, b.end_date) - max(a.start_date, b.start_date)).days + 1


async def integration(
    session: AsyncSession, principal: Principal, initiative: Initiative
) -> IntegrationOut:
    require(principal, "campaigns:read")
    found = await repo.overlaps(session, principal, initiative)
    partners = set(initiative.participating_organization_ids)
    overlaps = [
        Overlap(
            initiative_id=other.id,
            code=other.code,
            title_ar=other.title_ar,
            organization_id=other.organization_id,
            axis_id=other.axis_id,
            start_date=other.start_date,
            end_date=other.end_date,
            status=other.status,
            similarity=round(similarity, 4),
            overlap_days=_overlap_days(initiative, other),
            coordinated=other.organization_id in partners
            or initiative.organization_id in set(other.participating_organization_ids),
        )
        for other, similarity in found
    ]
    facts = await repo.facts(session, initiative.id)
    facts |= {
        "has_partners": bool(partners),
        "has_budget": initiative.budget_planned is not None and initiative.budget_planned > 0,
        "published": initiative.published,
        "overlaps_coordinated": all(o.coordinated for o in overlaps),
    }
    rubric = await repo.criteria(session)
    results = [
        CriterionResult(
            code=c.code,
            name_ar=c.name_ar,
            rule=c.rule,
            weight=c.weight,
            met=facts.get(c.rule, False),
        )
        for c in rubric
    ]
    total = sum((c.weight for c in rubric), Decimal(0))
    met = sum((r.weight for r in results if r.met), Decimal(0))
    score = (Decimal(100) * met / total) if total else Decimal(0)
    return IntegrationOut(
        initiative_id=initiative.id,
        score=score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        criteria=results,
        overlaps=overlaps,
    )
