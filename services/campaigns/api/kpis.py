"""`/v1/kpis`, `/v1/kpi-values`, `/v1/scorecards`: indicators, targets, values and their
verification, series and scorecards."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Request, Response, status

from services.campaigns.api.deps import Reader, Writer
from services.campaigns.models import Kpi, KpiTarget, KpiValue
from services.campaigns.schemas.common import problems
from services.campaigns.schemas.inquiry_kpis import InquiryKpisOut
from services.campaigns.schemas.kpis import (
    DecisionIn,
    KpiCreate,
    KpiOut,
    KpiUpdate,
    Period,
    ScorecardOut,
    SeriesOut,
    TargetOut,
    TargetsIn,
    TargetsOut,
    ValueIn,
    ValueOut,
)
from services.campaigns.service import inquiry_kpis
from services.campaigns.service import kpis as service
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/kpis", tags=["kpis"])
values_router = new_router(prefix="/v1/kpi-values", tags=["kpis"])
scorecards_router = new_router(prefix="/v1/scorecards", tags=["kpis"])


def _kpi(kpi: Kpi, response: Response | None = None) -> KpiOut:
    if response is not None:
        set_etag(response, kpi.id, kpi.updated_at)
    return KpiOut.model_validate(kpi, from_attributes=True)


def _value(value: KpiValue, response: Response | None = None) -> ValueOut:
    if response is not None:
        set_etag(response, value.id, value.updated_at)
    return ValueOut.model_validate(value, from_attributes=True)


def _targets(kpi: Kpi, rows: list[KpiTarget]) -> TargetsOut:
    return TargetsOut(
        kpi_id=kpi.id, items=[TargetOut.model_validate(t, from_attributes=True) for t in rows]
    )


@router.get(
    "",
    summary="List KPIs",
    description="KPIs that apply to the caller: owned by its subtree or by an organization "
    "above it.",
    responses=problems(401, 403, 422),
)
async def list_kpis(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="Owned by this organization or below it.")
    ] = None,
    initiative_id: Annotated[uuid.UUID | None, Query()] = None,
    campaign_id: Annotated[uuid.UUID | None, Query()] = None,
    axis_id: Annotated[uuid.UUID | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in names or code.")] = None,
) -> Page[KpiOut]:
    filters = service.KpiFilters(organization_id, initiative_id, campaign_id, axis_id, q)
    rows, cursor = await service.list_kpis(session, principal, filters, page)
    return Page(items=[_kpi(k) for k in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Define a KPI",
    description="Owned by an organization of the caller's subtree; it applies to the owner "
    "and everything below it.",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_kpi(
    body: KpiCreate, session: SessionDep, principal: Writer, response: Response
) -> KpiOut:
    kpi = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/kpis/{kpi.id}"
    return _kpi(kpi, response)


@router.get(
    "/inquiries",
    summary="The built-in inquiry KPIs",
    description="First-response and resolution SLA compliance, satisfaction and volume of "
    "the inquiries created in the period (in the organization's time zone) over the "
    "organization's subtree — nobody types them: the worker feeds them from the inquiries "
    "service's events. They match `GET /v1/inquiries/stats` for the same organization and "
    "period once its SLA sweep (every minute) has reported the breaches due. — مؤشرات "
    "البلاغات المدمجة: الالتزام بمهلة الرد الأول والحل، والرضا، والحجم، تُحدَّث تلقائياً.",
    responses=problems(401, 403, 404, 422),
)
async def get_inquiry_kpis(
    session: SessionDep,
    principal: Reader,
    organization_id: Annotated[uuid.UUID, Query(description="Its whole subtree is counted.")],
    period: Annotated[Period, Query(description="`2027-01`, `2027-Q1` or `2027`.")],
) -> InquiryKpisOut:
    return await inquiry_kpis.inquiry_kpis(session, principal, organization_id, period)


@router.get("/{kpi_id}", summary="Get a KPI", responses=problems(401, 403, 404))
async def get_kpi(
    kpi_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> KpiOut:
    return _kpi(await service.get(session, principal, kpi_id), response)


@router.patch(
    "/{kpi_id}",
    summary="Change a KPI",
    description="By the owner's subtree; the frequency is fixed once values exist "
    "(define another KPI). Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_kpi(
    kpi_id: uuid.UUID,
    body: KpiUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> KpiOut:
    kpi = await service.get(session, principal, kpi_id)
    check_if_match(request, kpi.id, kpi.updated_at)
    return _kpi(await service.update(session, principal, kpi, body), response)


@router.get(
    "/{kpi_id}/targets",
    summary="A KPI's targets",
    description="Those of the caller's subtree.",
    responses=problems(401, 403, 404),
)
async def get_targets(kpi_id: uuid.UUID, session: SessionDep, principal: Reader) -> TargetsOut:
    kpi = await service.get(session, principal, kpi_id)
    return _targets(kpi, await service.targets(session, principal, kpi))


@router.put(
    "/{kpi_id}/targets",
    summary="Set a KPI's targets",
    description="By organization and period (the KPI's frequency), with baseline and amber "
    "threshold. Replaces the targets of the caller's subtree.",
    responses=problems(401, 403, 404, 409, 422),
)
async def put_targets(
    kpi_id: uuid.UUID, body: TargetsIn, session: SessionDep, principal: Writer
) -> TargetsOut:
    kpi = await service.get(session, principal, kpi_id)
    return _targets(kpi, await service.replace_targets(session, principal, kpi, body))


@router.post(
    "/{kpi_id}/values",
    status_code=status.HTTP_201_CREATED,
    summary="Submit a value",
    description="For an organization of the caller's subtree to which the KPI applies, for "
    "a period of the KPI's frequency (422 otherwise); state `submitted` until a unit head "
    "or administrator of that organization or above verifies it. One live value per "
    "organization and period (409 `value_exists`); a rejected one may be submitted again.",
    responses=problems(401, 403, 404, 409, 422),
)
async def submit_value(
    kpi_id: uuid.UUID, body: ValueIn, session: SessionDep, principal: Writer, response: Response
) -> ValueOut:
    kpi = await service.get(session, principal, kpi_id)
    value = await service.submit_value(session, principal, kpi, body)
    response.headers["Location"] = f"/v1/kpi-values/{value.id}"
    return _value(value, response)


@router.get(
    "/{kpi_id}/series",
    summary="A KPI's series",
    description="Per period, the verified value against the target and its status. "
    "`organization_id` defaults to the caller's organization; `rollup=true` aggregates "
    "the whole subtree by the KPI's rule (sum, avg, last).",
    responses=problems(401, 403, 404, 422),
)
async def get_series(
    kpi_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    organization_id: Annotated[uuid.UUID | None, Query()] = None,
    rollup: Annotated[bool, Query(description="Aggregate the subtree.")] = False,
) -> SeriesOut:
    kpi = await service.get(session, principal, kpi_id)
    return await service.series(session, principal, kpi, organization_id, rollup)


@values_router.get(
    "",
    summary="List KPI values",
    description="Values of the caller's subtree, newest first; `status=submitted` is the "
    "verification queue.",
    responses=problems(401, 403, 404, 422),
)
async def list_values(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    kpi_id: Annotated[uuid.UUID | None, Query()] = None,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    status_: Annotated[
        Literal["submitted", "verified", "rejected"] | None, Query(alias="status")
    ] = None,
    period: Annotated[str | None, Query(max_length=10)] = None,
) -> Page[ValueOut]:
    filters = service.ValueFilters(kpi_id, organization_id, status_, period)
    rows, cursor = await service.list_values(session, principal, filters, page)
    return Page(items=[_value(v) for v in rows], next_cursor=cursor)


@values_router.get("/{value_id}", summary="Get a KPI value", responses=problems(401, 403, 404))
async def get_value(
    value_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> ValueOut:
    return _value(await service.get_value(session, principal, value_id), response)


_DECISION = (
    "By a unit_head or org_admin of the value's organization or of one above it (or a "
    "sector_admin), never its submitter (403 `self_decision`; 403 `not_above` otherwise). "
    "409 `invalid_state` once decided."
)


@values_router.post(
    "/{value_id}/verify",
    summary="Verify a KPI value",
    description=_DECISION,
    responses=problems(401, 403, 404, 409, 422),
)
async def verify_value(
    value_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    response: Response,
    body: DecisionIn | None = None,
) -> ValueOut:
    value = await service.get_value(session, principal, value_id, lock=True)
    decided = await service.decide(session, principal, value, "verify", body or DecisionIn())
    return _value(decided, response)


@values_router.post(
    "/{value_id}/reject",
    summary="Reject a KPI value",
    description=_DECISION + " The organization may then submit another value.",
    responses=problems(401, 403, 404, 409, 422),
)
async def reject_value(
    value_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    response: Response,
    body: DecisionIn | None = None,
) -> ValueOut:
    value = await service.get_value(session, principal, value_id, lock=True)
    decided = await service.decide(session, principal, value, "reject", body or DecisionIn())
    return _value(decided, response)


@scorecards_router.get(
    "",
    summary="A scorecard",
    description="Every KPI that applies to the organization's subtree: its verified actual "
    "over the subtree and the period (rolled up by its rule) against the target, "
    "`status` green, amber or red by its direction (null without a value or a target). "
    "A KPI reported more often than the period aggregates the periods inside it.",
    responses=problems(401, 403, 404, 422),
)
async def get_scorecard(
    session: SessionDep,
    principal: Reader,
    organization_id: Annotated[uuid.UUID, Query()],
    period: Annotated[Period, Query(description="`2027-01`, `2027-Q1` or `2027`.")],
) -> ScorecardOut:
    return await service.scorecard(session, principal, organization_id, period)
