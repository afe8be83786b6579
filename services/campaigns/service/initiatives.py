"""Initiatives: the tree, the status table, derived progress, beneficiaries, public reads."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.domain.progress import progress
from services.campaigns.domain.states import initiative_move
from services.campaigns.errors import conflict, invalid, unknown_reference
from services.campaigns.models import Beneficiary, Initiative
from services.campaigns.repository import axes as axes_repo
from services.campaigns.repository import initiatives as repo
from services.campaigns.repository.base import flush
from services.campaigns.schemas.initiatives import (
    BeneficiariesIn,
    InitiativeCreate,
    InitiativeUpdate,
)
from services.campaigns.service.common import (
    existing_organizations,
    record,
    require,
    snapshot,
    visible_organization,
)
from services.common import search
from services.common.arabic import normalize
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.outbox import emit
from services.common.pagination import PageParams

InitiativeFilters = repo.InitiativeFilters

FIELDS = tuple(InitiativeCreate.model_fields)  # what a create writes, snapshotted


async def get(
    session: AsyncSession, principal: Principal, initiative_id: uuid.UUID, *, lock: bool = False
) -> Initiative:
    require(principal, "campaigns:read")
    initiative = await repo.get_visible(session, principal, initiative_id, lock=lock)
    if initiative is None:
        raise NotFound("المبادرة", "initiative")
    return initiative


async def list_initiatives(
    session: AsyncSession,
    principal: Principal,
    filters: repo.InitiativeFilters,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
) -> search.SearchResult:
    require(principal, "campaigns:read")
    if filters.organization_id is not None:
        await visible_organization(session, principal, filters.organization_id, "organization_id")
    return await repo.list_visible(session, principal, filters, page, options)


async def check_references(
    session: AsyncSession, principal: Principal, values: dict[str, Any]
) -> None:
    """The organization, participants, axis and parent `values` name exist and, for the
    organization and the parent, are the principal's to see."""
    if "organization_id" in values:
        await visible_organization(session, principal, values["organization_id"], "organization_id")
    if values.get("participating_organization_ids"):
        await existing_organizations(
            session, values["participating_organization_ids"], "participating_organization_ids"
        )
    if "axis_id" in values and await axes_repo.get(session, values["axis_id"]) is None:
        raise unknown_reference("axis_id", "المحور", "axis")
    if values.get("parent_id") is not None:
        parent = await repo.get_visible(session, principal, values["parent_id"])
        if parent is None:
            raise unknown_reference("parent_id", "المبادرة الأم", "parent initiative")


async def create(session: AsyncSession, principal: Principal, data: InitiativeCreate) -> Initiative:
    require(principal, "campaigns:write")
    values = data.model_dump()
    await check_references(session, principal, values)
    if data.status not in ("proposed", "approved"):
        initiative_move("proposed", data.status)  # a new initiative starts where it may
    values["participating_organization_ids"] = list(
        dict.fromkeys(data.participating_organization_ids)
    )
    initiative = Initiative(
        id=uuid.uuid4(),
        title_search=normalize(data.title_ar),
        created_by=principal.subject,
        **values,
    )
    session.add(initiative)
    await flush(session)
    await session.refresh(initiative)
    await record(
        session,
        principal,
        "create",
        "initiative",
        initiative.id,
        initiative.organization_id,
        snapshot(initiative, FIELDS),
    )
    await emit(
        session,
        "initiative.created",
        aggregate_type="initiative",
        aggregate_id=initiative.id,
        organization_id=initiative.organization_id,
        payload=event_payload(initiative),
    )
    if initiative.parent_id is not None:
        await recompute(session, initiative.parent_id)
    return initiative


async def update(
    session: AsyncSession, principal: Principal, initiative: Initiative, data: InitiativeUpdate
) -> Initiative:
    require(principal, "campaigns:write")
    fields = data.model_fields_set
    values = {name: getattr(data, name) for name in fields}
    await check_references(session, principal, values)
    check_change(initiative, values)
    old_parent = initiative.parent_id
    new_parent = values.get("parent_id")
    if (
        new_parent is not None
        and new_parent != old_parent
        and initiative.id in await repo.ancestor_ids(session, new_parent)
    ):
        raise conflict(
            "parent_id",
            "لا يمكن جعل المبادرة تحت نفسها أو تحت إحدى مبادراتها",
            "An initiative cannot move under itself or one of its own",
            code="cycle",
        )
    before = snapshot(initiative, FIELDS)
    for name, value in values.items():
        if name == "participating_organization_ids":
            value = list(dict.fromkeys(value))
        setattr(initiative, name, value)
    if "title_ar" in values:
        initiative.title_search = normalize(initiative.title_ar)
    await flush(session)
    await session.refresh(initiative)
    changes = diff(before, snapshot(initiative, FIELDS))
    if not changes:
        return initiative
    action = "status_change" if "status" in changes else "update"
    await record(
        session, principal, action, "initiative", initiative.id, initiative.organization_id, changes
    )
    if "status" in changes:
        await emit(
            session,
            "initiative.status_changed",
            aggregate_type="initiative",
            aggregate_id=initiative.id,
            organization_id=initiative.organization_id,
            payload=event_payload(initiative) | {"from_status": changes["status"][0]},
        )
    # a moved, re-weighted or cancelled child changes its parents' progress
    touched = (
        {old_parent, initiative.parent_id}
        if {"parent_id", "weight", "status"} & changes.keys()
        else set()
    )
    for parent_id in touched:
        if parent_id is not None:
            await recompute(session, parent_id)
    await session.refresh(initiative)
    return initiative


def check_change(initiative: Any, values: dict[str, Any]) -> None:
    """An update's rules on the initiative's own fields (`values`: those it names): the
    dates stay in order, the status moves along the transition table. Pure: the import's
    set-based update of changed initiatives calls it too."""
    start = values.get("start_date", initiative.start_date)
    end = values.get("end_date", initiative.end_date)
    if end < start:
        raise invalid(
            "end_date", "تاريخ النهاية قبل تاريخ البداية", "end_date is before start_date"
        )
    if "status" in values:
        initiative_move(initiative.status, values["status"])


def changed_fields(initiative: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of `values` whose value differs from the initiative's, as an update
    writes them (participants without repeats)."""
    changed = {}
    for name, value in values.items():
        if name == "participating_organization_ids":
            value = list(dict.fromkeys(value))
        if getattr(initiative, name) != value:
            changed[name] = value
    return changed


def event_payload(initiative: Initiative) -> dict[str, Any]:
    return {
        "initiative_id": str(initiative.id),
        "code": initiative.code,
        "title_ar": initiative.title_ar,
        "organization_id": str(initiative.organization_id),
        "status": initiative.status,
    }


async def recompute(session: AsyncSession, initiative_id: uuid.UUID) -> None:
    """Derives the progress of the initiative and of every initiative above it."""
    await session.flush()
    for current_id in await repo.ancestor_ids(session, initiative_id):
        initiative = await repo.get_locked(session, current_id)
        if initiative is None:
            return
        milestones, children = await repo.progress_inputs(session, current_id)
        value = progress(milestones, children)
        if initiative.progress == value:
            return  # nothing above changes either
        initiative.progress = value
        await session.flush()


async def replace_beneficiaries(
    session: AsyncSession, principal: Principal, initiative: Initiative, data: BeneficiariesIn
) -> Initiative:
    require(principal, "campaigns:write")
    seen: set[tuple[uuid.UUID, str, str]] = set()
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(data.items):
        key = (item.organization_id, item.period, item.segment or "")
        if key in seen:
            raise conflict(
                f"items.{index}",
                "الجهة والفترة والفئة مكررة",
                "The organization, period and segment are repeated",
                code="duplicate",
            )
        seen.add(key)
        rows.append(
            {
                "organization_id": item.organization_id,
                "period": item.period,
                "segment": item.segment or "",
                "target": item.target,
                "actual": item.actual,
            }
        )
    await existing_organizations(session, {r["organization_id"] for r in rows}, "items")
    before = {
        "beneficiaries_target": initiative.beneficiaries_target,
        "beneficiaries_actual": initiative.beneficiaries_actual,
    }
    await repo.replace_beneficiaries(session, initiative.id, rows)
    initiative.beneficiaries_target = sum(r["target"] for r in rows)
    initiative.beneficiaries_actual = sum(r["actual"] for r in rows)
    await flush(session)
    await session.refresh(initiative)
    await record(
        session,
        principal,
        "update",
        "initiative_beneficiaries",
        initiative.id,
        initiative.organization_id,
        diff(
            before,
            {
                "beneficiaries_target": initiative.beneficiaries_target,
                "beneficiaries_actual": initiative.beneficiaries_actual,
            },
        )
        | {"figures": len(rows)},
    )
    return initiative


async def public_get(session: AsyncSession, initiative_id: uuid.UUID) -> Initiative:
    initiative = await repo.get_published(session, initiative_id)
    if initiative is None:
        raise NotFound("المبادرة", "initiative")
    return initiative


async def beneficiaries_of(session: AsyncSession, initiative: Initiative) -> list[Beneficiary]:
    return await repo.beneficiaries_of(session, initiative.id)


async def public_list(
    session: AsyncSession, filters: repo.InitiativeFilters, page: PageParams
) -> tuple[list[Initiative], str | None]:
    return await repo.list_published(session, filters, page)
