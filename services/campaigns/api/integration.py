"""`/v1/integration-criteria` and `/v1/initiatives/{id}/integration` (S1-8)."""

from __future__ import annotations

import uuid

from services.campaigns.api.deps import Reader
from services.campaigns.models import IntegrationCriterion
from services.campaigns.schemas.common import problems
from services.campaigns.schemas.integration import (
    CriteriaIn,
    CriteriaOut,
    CriterionOut,
    IntegrationOut,
)
from services.campaigns.service import initiatives as initiatives_service
from services.campaigns.service import integration as service
from services.common.app import new_router
from services.common.db import SessionDep

router = new_router(prefix="/v1/integration-criteria", tags=["integration"])
initiative_router = new_router(prefix="/v1/initiatives", tags=["integration"])


def _criteria(rows: list[IntegrationCriterion]) -> CriteriaOut:
    return CriteriaOut(items=[CriterionOut.model_validate(c, from_attributes=True) for c in rows])


@router.get(
    "",
    summary="The integration rubric",
    description="Weighted criteria that give an initiative its integration score.",
    responses=problems(401, 403),
)
async def get_criteria(session: SessionDep, principal: Reader) -> CriteriaOut:
    return _criteria(await service.criteria(session, principal))


@router.put(
    "",
    summary="Replace the integration rubric",
    description="Sector administrators only; codes unique, weights positive.",
    responses=problems(401, 403, 409, 422),
)
async def put_criteria(body: CriteriaIn, session: SessionDep, principal: Reader) -> CriteriaOut:
    return _criteria(await service.replace_criteria(session, principal, body))


@initiative_router.get(
    "/{initiative_id}/integration",
    summary="An initiative's integration score and overlaps",
    description="The score under the rubric and the initiatives of other organizations on "
    "the same axis whose dates overlap and whose Arabic titles are similar (letter variants "
    "and diacritics ignored, trigram similarity ≥ 0.3), best first — those the caller sees "
    "or that are published.",
    responses=problems(401, 403, 404),
)
async def get_integration(
    initiative_id: uuid.UUID, session: SessionDep, principal: Reader
) -> IntegrationOut:
    initiative = await initiatives_service.get(session, principal, initiative_id)
    return await service.integration(session, principal, initiative)
