"""KPIs: definitions, targets, values with verification, series and scorecards."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns import clock
from services.campaigns.domain import kpis as rules
from services.campaigns.domain.periods import contains, frequency_of
from services.campaigns.domain.states import KPI_VALUE_TRANSITIONS, step
from services.campaigns.errors import conflict, invalid, unknown_reference
from services.campaigns.models import Kpi, KpiTarget, KpiValue
from services.campaigns.repository import axes as axes_repo
from services.campaigns.repository import initiatives as initiatives_repo
from services.campaigns.repository import kpis as repo
from services.campaigns.repository import rollups
from services.campaigns.repository.base import flush, organization_chain
from services.campaigns.schemas.kpis import (
    DecisionIn,
    KpiCreate,
    KpiUpdate,
    ScorecardLine,
    ScorecardOut,
    SeriesOut,
    SeriesPoint,
    TargetsIn,
    ValueIn,
)
from services.campaigns.service import inquiry_kpis
from services.campaigns.service.common import (
    check_decider,
    record,
    require,
    snapshot,
    visible_organization,
)
from services.common.attachments.references import Owner, attach
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import DomainError, NotFound
from services.common.outbox import emit
from services.common.pagination import PageParams

KpiFilters = repo.KpiFilters
ValueFilters = repo.ValueFilters
FIELDS = (
    "code",
    "name_ar",
    "name_en",
    "organization_id",
    "unit",
    "direction",
    "frequency",
    "aggregation",
    "initiative_id",
    "campaign_id",
    "axis_id",
    "source",
)


async def get(session: AsyncSession, principal: Principal, kpi_id: uuid.UUID) -> Kpi:
    require(principal, "campaigns:read")
    kpi = await repo.get_visible(session, principal, kpi_id)
    if kpi is None:
        raise NotFound("المؤشر", "KPI")
    return kpi


async def list_kpis(
    session: AsyncSession, principal: Principal, filters: repo.KpiFilters, page: PageParams
) -> tuple[list[Kpi], str | None]:
    require(principal, "campaigns:read")
    return await repo.list_visible(session, principal, filters, page)


async def _check_links(session: AsyncSession, principal: Principal, values: dict[str, Any]) -> None:
    if (
        values.get("axis_id") is not None
        and await axes_repo.get(session, values["axis_id"]) is None
    ):
        raise unknown_reference("axis_id", "المحور", "axis")
    initiative_id = values.get("initiative_id")
    if initiative_id is not None and (
        await initiatives_repo.get_visible(session, principal, initiative_id) is None
    ):
        raise unknown_reference("initiative_id", "المبادرة", "initiative")


async def create(session: AsyncSession, principal: Principal, data: KpiCreate) -> Kpi:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, data.organization_id, "organization_id")
    values = data.model_dump()
    await _check_links(session, principal, values)
    kpi = Kpi(id=uuid.uuid4(), **values)
    session.add(kpi)
    await flush(session)
    await session.refresh(kpi)
    await record(
        session, principal, "create", "kpi", kpi.id, kpi.organization_id, snapshot(kpi, FIELDS)
    )
    return kpi


async def update(session: AsyncSession, principal: Principal, kpi: Kpi, data: KpiUpdate) -> Kpi:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, kpi.organization_id, "organization_id")
    values = {name: getattr(data, name) for name in data.model_fields_set}
    await _check_links(session, principal, values)
    before = snapshot(kpi, FIELDS)
    for name, value in values.items():
        setattr(kpi, name, value)
    await flush(session)
    await session.refresh(kpi)
    changes = diff(before, snapshot(kpi, FIELDS))
    if changes:
        await record(session, principal, "update", "kpi", kpi.id, kpi.organization_id, changes)
    return kpi


def period_matches(kpi: Kpi, period: str, field: str) -> None:
    if frequency_of(period) != kpi.frequency:
        raise invalid(
            field,
            f"الفترة {period} لا تطابق دورية المؤشر ({kpi.frequency})",
            f"The period {period} does not match the KPI's frequency ({kpi.frequency})",
        )


async def within_kpi(
    session: AsyncSession, principal: Principal, kpi: Kpi, org_id: uuid.UUID, field: str
) -> None:
    """The organization is the caller's to speak for, and the KPI applies to it."""
    await visible_organization(session, principal, org_id, field)
    if kpi.organization_id not in await organization_chain(session, org_id):
        raise invalid(
            field,
            "المؤشر لا ينطبق على هذه الجهة (ليست الجهة المالكة أو جهة تحتها)",
            "The KPI does not apply to this organization (not its owner or below it)",
        )


async def targets(session: AsyncSession, principal: Principal, kpi: Kpi) -> list[KpiTarget]:
    return await repo.targets_of(session, principal, kpi.id)


async def replace_targets(
    session: AsyncSession, principal: Principal, kpi: Kpi, data: TargetsIn
) -> list[KpiTarget]:
    require(principal, "campaigns:write")
    seen: set[tuple[uuid.UUID, str]] = set()
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(data.items):
        field = f"items.{index}"
        period_matches(kpi, item.period, f"{field}.period")
        if (item.organization_id, item.period) in seen:
            raise conflict(
                field,
                "الجهة والفترة مكررتان",
                "The organization and period are repeated",
                code="duplicate",
            )
        seen.add((item.organization_id, item.period))
        wrong_side = item.amber_at is not None and (
            item.amber_at > item.target if kpi.direction == "up" else item.amber_at < item.target
        )
        if wrong_side:
            raise invalid(
                f"{field}.amber_at",
                "حد الكهرماني يقع على الجهة الأسوأ من المستهدف",
                "amber_at lies on the worse side of the target",
            )
        rows.append(item.model_dump())
    for org_id in {r["organization_id"] for r in rows}:
        await within_kpi(session, principal, kpi, org_id, "items")
    # the roll-up of the organizations whose targets go or come
    touched = {t.organization_id for t in await repo.targets_of(session, principal, kpi.id)}
    await repo.replace_visible_targets(session, principal, kpi.id, rows)
    await rollups.refresh(session, [kpi.id], touched | {r["organization_id"] for r in rows})
    await record(
        session,
        principal,
        "update",
        "kpi_targets",
        kpi.id,
        kpi.organization_id,
        {"targets": len(rows)},
    )
    return await repo.targets_of(session, principal, kpi.id)


async def refresh_rollups(session: AsyncSession, kpi_ids: list[uuid.UUID]) -> None:
    """Rewrites the scorecard roll-up of these KPIs from their values and targets: after
    values written in bulk, past the use cases (the demo's verified history)."""
    await rollups.refresh(session, kpi_ids)


def submittable(kpi: Kpi) -> None:
    """A built-in KPI's values are computed from events, never submitted."""
    if kpi.source is not None:
        raise conflict(
            "kpi_id",
            "قيم هذا المؤشر تُحسب من الاستفسارات ولا تُقدَّم",
            f"This KPI's values are computed from {kpi.source}; they are not submitted",
            code="kpi_builtin",
        )


def value_exists() -> DomainError:
    """One live (submitted or verified) value per KPI, organization and period."""
    return conflict(
        "period",
        "توجد قيمة مقدّمة أو معتمدة لهذه الجهة والفترة",
        "A submitted or verified value exists for this organization and period",
        code="value_exists",
    )


async def submit_value(
    session: AsyncSession, principal: Principal, kpi: Kpi, data: ValueIn
) -> KpiValue:
    require(principal, "campaigns:write")
    submittable(kpi)
    period_matches(kpi, data.period, "period")
    await within_kpi(session, principal, kpi, data.organization_id, "organization_id")
    if await repo.live_value(session, kpi.id, data.organization_id, data.period) is not None:
        raise value_exists()
    value = KpiValue(
        id=uuid.uuid4(),
        kpi_id=kpi.id,
        status="submitted",
        submitted_by=principal.subject,
        **data.model_dump(exclude={"attachment_ids"}),
    )
    session.add(value)
    await flush(session)
    await attach(
        session,
        data.attachment_ids,
        principal,
        Owner("campaigns", "kpi_value", value.id, value.organization_id),
    )
    await session.refresh(value)
    await record(
        session,
        principal,
        "submit",
        "kpi_value",
        value.id,
        value.organization_id,
        {"kpi_id": kpi.id, "period": value.period, "value": value.value},
    )
    await emit(
        session,
        "kpi.value_submitted",
        aggregate_type="kpi_value",
        aggregate_id=value.id,
        organization_id=value.organization_id,
        payload=value_payload(value),
    )
    return value


def value_payload(value: KpiValue) -> dict[str, Any]:
    return {
        "kpi_value_id": str(value.id),
        "kpi_id": str(value.kpi_id),
        "organization_id": str(value.organization_id),
        "period": value.period,
        "value": str(value.value),
        "status": value.status,
    }


async def get_value(
    session: AsyncSession, principal: Principal, value_id: uuid.UUID, *, lock: bool = False
) -> KpiValue:
    require(principal, "campaigns:read")
    value = await repo.value_visible(session, principal, value_id, lock=lock)
    if value is None:
        raise NotFound("قيمة المؤشر", "KPI value")
    return value


async def list_values(
    session: AsyncSession, principal: Principal, filters: repo.ValueFilters, page: PageParams
) -> tuple[list[KpiValue], str | None]:
    require(principal, "campaigns:read")
    if filters.organization_id is not None:
        await visible_organization(session, principal, filters.organization_id, "organization_id")
    return await repo.list_values(session, principal, filters, page)


async def decide(
    session: AsyncSession,
    principal: Principal,
    value: KpiValue,
    action: str,
    data: DecisionIn,
) -> KpiValue:
    """verify | reject, by a unit head or administrator of the value's organization or
    above, never the submitter."""
    require(principal, "campaigns:read")
    await check_decider(session, principal, value.organization_id, value.submitted_by)
    before = value.status
    value.status = step(KPI_VALUE_TRANSITIONS, value.status, action)
    value.decided_by = principal.subject
    value.decided_at = clock.now()
    value.decision_comment = data.comment
    await flush(session)
    await rollups.refresh(session, [value.kpi_id], [value.organization_id])
    await session.refresh(value)
    await record(
        session,
        principal,
        action,
        "kpi_value",
        value.id,
        value.organization_id,
        {"status": [before, value.status], "comment": data.comment},
    )
    await emit(
        session,
        f"kpi.value_{value.status}",
        aggregate_type="kpi_value",
        aggregate_id=value.id,
        organization_id=value.organization_id,
        payload=value_payload(value),
    )
    return value


# --- series and scorecards -----------------------------------------------------------


def _target_for(
    aggregation: str,
    root_id: uuid.UUID,
    rows: list[tuple[uuid.UUID, uuid.UUID, str, Decimal | None, Decimal, Decimal | None]],
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(baseline, target, amber_at) for the root over a window: the root's own targets when
    it has some, else the subtree's rolled up by the KPI's rule."""
    own = [r for r in rows if r[1] == root_id]
    chosen = own or rows

    def roll(index: int) -> Decimal | None:
        figures = [(r[1], r[2], r[index]) for r in chosen if r[index] is not None]
        return rules.rollup(aggregation, figures)  # type: ignore[arg-type]

    return roll(3), roll(4), roll(5)


def _point(
    kpi: Kpi,
    root: uuid.UUID,
    period: str,
    value: Decimal | None,
    targets_by_period: dict[str, list[Any]],
    organizations: int,
) -> SeriesPoint:
    """One point of a series: the value against the period's target, coloured."""
    baseline, target, amber_at = _target_for(
        kpi.aggregation, root, targets_by_period.get(period, [])
    )
    return SeriesPoint(
        period=period,
        value=value,
        target=rules.rounded(target),
        baseline=rules.rounded(baseline),
        amber_at=rules.rounded(amber_at),
        status=rules.status(kpi.direction, value, target, amber_at),
        organizations=organizations,
    )


async def series(
    session: AsyncSession,
    principal: Principal,
    kpi: Kpi,
    organization_id: uuid.UUID | None,
    rollup: bool,
) -> SeriesOut:
    root = organization_id or (
        kpi.organization_id if principal.is_sector_admin else principal.organization_id
    )
    if root is None:
        root = kpi.organization_id
    await visible_organization(session, principal, root, "organization_id")
    if kpi.source is not None:
        return await _builtin_series(session, kpi, root)
    values = await repo.verified_in(session, [kpi.id], root, None, only_root=not rollup)
    target_rows = await repo.targets_in(session, [kpi.id], root, None)
    if not rollup:
        target_rows = [t for t in target_rows if t[1] == root]
    by_period: dict[str, list[tuple[uuid.UUID, str, Decimal]]] = defaultdict(list)
    for _, org, value_period, figure in values:
        by_period[value_period].append((org, value_period, figure))
    targets_by_period: dict[str, list[Any]] = defaultdict(list)
    for row in target_rows:
        targets_by_period[row[2]].append(row)
    points = []
    for period in sorted(set(by_period) | set(targets_by_period)):
        figures = by_period.get(period, [])
        value = rules.rounded(rules.rollup(kpi.aggregation, figures))
        organizations = len({org for org, _, _ in figures})
        points.append(_point(kpi, root, period, value, targets_by_period, organizations))
    return SeriesOut(
        kpi_id=kpi.id,
        organization_id=root,
        rollup=rollup,
        aggregation=kpi.aggregation,
        points=points,
    )


async def _builtin_series(session: AsyncSession, kpi: Kpi, root: uuid.UUID) -> SeriesOut:
    """A built-in KPI's points: the periods in which the subtree received inquiries and
    those with targets, each computed over the whole subtree."""
    assert kpi.source is not None
    target_rows = await repo.targets_in(session, [kpi.id], root, None)
    targets_by_period: dict[str, list[Any]] = defaultdict(list)
    for row in target_rows:
        targets_by_period[row[2]].append(row)
    periods = set(await inquiry_kpis.builtin_periods(session, root, kpi.frequency))
    points = []
    for period in sorted(periods | set(targets_by_period)):
        figures = await inquiry_kpis.builtin_figures(session, root, period)
        value = rules.rounded(inquiry_kpis.figure_of(kpi.source, figures))
        organizations = int(figures["organizations"])
        points.append(_point(kpi, root, period, value, targets_by_period, organizations))
    return SeriesOut(
        kpi_id=kpi.id, organization_id=root, rollup=True, aggregation=kpi.aggregation, points=points
    )


async def scorecard(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID, period: str
) -> ScorecardOut:
    require(principal, "campaigns:read")
    # the KPIs with their figures, added up from the subtree's roll-up rows in the database,
    # in the statement that checks the caller sees the organization
    rows = await rollups.scorecard(session, principal, organization_id, period)
    if rows is None:
        raise unknown_reference("organization_id", "الجهة", "organization")
    # built-in KPIs: the subtree's inquiries of the period, one aggregate for all of them
    builtin = (
        await inquiry_kpis.builtin_figures(session, organization_id, period)
        if any(row.source for row in rows)
        else None
    )
    counts = {"green": 0, "amber": 0, "red": 0, "no_data": 0}
    lines = []
    for row in rows:
        value, organizations = rules.rounded(row.value), row.organizations
        if row.source is not None and builtin is not None:
            value = rules.rounded(inquiry_kpis.figure_of(row.source, builtin))
            organizations = int(builtin["organizations"])
        colour = rules.status(row.direction, value, row.target, row.amber_at)
        counts[colour or "no_data"] += 1
        lines.append(
            ScorecardLine(
                kpi_id=row.kpi_id,
                code=row.code,
                name_ar=row.name_ar,
                name_en=row.name_en,
                unit=row.unit,
                direction=row.direction,
                frequency=row.frequency,
                aggregation=row.aggregation,
                value=value,
                target=rules.rounded(row.target),
                amber_at=rules.rounded(row.amber_at),
                status=colour,
                organizations=organizations,
            )
        )
    return ScorecardOut(organization_id=organization_id, period=period, counts=counts, items=lines)


def period_inside(outer: str, inner: str) -> bool:
    return contains(outer, inner)
