"""Crisis playbooks (S2-2) and their activation.

Activating a playbook for a scope (its organization or one below it) opens an approved
crisis campaign citing the playbook's holding statements and emits `crisis.activated`;
the inquiries service then tags the scope's matching inquiries (new ones, and those of
the 48 hours before) with `crisis:<activation id>`, and the calendar suspends the scope's
approved entries when asked. Closing emits `crisis.closed`: tagging stops, the suspension
is lifted, the crisis campaign completes.

`crisis.activated` payload: `activation_id`, `playbook_id`, `organization_id` (the scope),
`level`, `tag`, `keywords` (Arabic-normalized), `window_start` (48 hours before),
`activated_at`, `suspend_calendar`, `suspend_until` (the crisis campaign's end), `campaign_id`,
`reason` (the scenario).
`crisis.closed` payload: `activation_id`, `organization_id`, `closed_at`, `suspend_calendar`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns import clock
from services.campaigns.errors import conflict, invalid
from services.campaigns.models import CrisisActivation, CrisisPlaybook
from services.campaigns.repository import crisis as repo
from services.campaigns.repository.base import flush, organization_chain
from services.campaigns.schemas.campaigns import CampaignCreate, DecisionIn
from services.campaigns.schemas.crisis import ActivateIn, LiveCounts, PlaybookCreate, PlaybookUpdate
from services.campaigns.service import campaigns
from services.campaigns.service.common import (
    check_channels,
    record,
    require,
    snapshot,
    visible_organization,
)
from services.common.arabic import normalize
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import InvalidState, NotFound
from services.common.outbox import emit
from services.common.pagination import PageParams

PlaybookFilters = repo.PlaybookFilters
TAGGING_LOOKBACK = timedelta(hours=48)
CAMPAIGN_DAYS = 30
FIELDS = (
    "scenario_ar",
    "scenario_en",
    "levels",
    "holding_message_version_ids",
    "spokesperson_ids",
    "channels",
    "keywords",
)


def tag_of(activation_id: uuid.UUID) -> str:
    return f"crisis:{activation_id}"


async def get(
    session: AsyncSession, principal: Principal, playbook_id: uuid.UUID
) -> CrisisPlaybook:
    require(principal, "campaigns:read")
    playbook = await repo.playbook_visible(session, principal, playbook_id)
    if playbook is None:
        raise NotFound("خطة الأزمة", "crisis playbook")
    return playbook


async def list_playbooks(
    session: AsyncSession, principal: Principal, filters: repo.PlaybookFilters, page: PageParams
) -> tuple[list[CrisisPlaybook], str | None]:
    require(principal, "campaigns:read")
    return await repo.list_playbooks(session, principal, filters, page)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("levels") is not None:
        values["levels"] = [
            level.model_dump() if hasattr(level, "model_dump") else level
            for level in values["levels"]
        ]
    return values


async def create(
    session: AsyncSession, principal: Principal, data: PlaybookCreate
) -> CrisisPlaybook:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, data.organization_id, "organization_id")
    await campaigns.check_versions(
        session, principal, data.holding_message_version_ids, "holding_message_version_ids"
    )
    await check_channels(session, data.organization_id, list(data.channels), "channels")
    values = _jsonable(data.model_dump())
    playbook = CrisisPlaybook(id=uuid.uuid4(), **values)
    session.add(playbook)
    await flush(session)
    await session.refresh(playbook)
    await record(
        session,
        principal,
        "create",
        "crisis_playbook",
        playbook.id,
        playbook.organization_id,
        snapshot(playbook, FIELDS),
    )
    return playbook


async def update(
    session: AsyncSession, principal: Principal, playbook: CrisisPlaybook, data: PlaybookUpdate
) -> CrisisPlaybook:
    require(principal, "campaigns:write")
    values = {name: getattr(data, name) for name in data.model_fields_set}
    if values.get("holding_message_version_ids"):
        await campaigns.check_versions(
            session, principal, values["holding_message_version_ids"], "holding_message_version_ids"
        )
    if values.get("channels"):
        await check_channels(
            session, playbook.organization_id, list(values["channels"]), "channels"
        )
    values = _jsonable(values)
    before = snapshot(playbook, FIELDS)
    for name, value in values.items():
        setattr(playbook, name, value)
    await flush(session)
    await session.refresh(playbook)
    changes = diff(before, snapshot(playbook, FIELDS))
    if changes:
        await record(
            session,
            principal,
            "update",
            "crisis_playbook",
            playbook.id,
            playbook.organization_id,
            changes,
        )
    return playbook


async def activate(
    session: AsyncSession, principal: Principal, playbook: CrisisPlaybook, data: ActivateIn
) -> CrisisActivation:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, data.organization_id, "organization_id")
    if playbook.organization_id not in await organization_chain(session, data.organization_id):
        raise invalid(
            "organization_id",
            "النطاق هو جهة الخطة أو جهة تحتها",
            "The scope is the playbook's organization or one below it",
        )
    if data.level not in {int(level["level"]) for level in playbook.levels}:
        raise invalid("level", "المستوى غير معرّف في الخطة", "The playbook has no such level")
    if await repo.open_activation(session, playbook.id, data.organization_id) is not None:
        raise conflict(
            "organization_id",
            "الخطة مفعّلة لهذا النطاق من قبل",
            "The playbook is already active for this scope",
            code="already_active",
        )
    now = clock.now()
    activation_id = uuid.uuid4()
    criteria = next(
        (lv["criteria_ar"] for lv in playbook.levels if int(lv["level"]) == data.level), ""
    )
    today = clock.today()
    campaign = await campaigns.create(
        session,
        principal,
        CampaignCreate(
            code=f"CRISIS-{activation_id.hex[:12].upper()}",
            title_ar=f"إدارة أزمة: {playbook.scenario_ar}"[:500],
            title_en=f"Crisis: {playbook.scenario_en}"[:500] if playbook.scenario_en else None,
            type="crisis",
            organization_id=data.organization_id,
            objective_ar=f"المستوى {data.level}: {criteria}",
            channels=list(playbook.channels),
            start_date=today,
            end_date=today + timedelta(days=CAMPAIGN_DAYS),
            key_message_version_ids=[v for v in playbook.holding_message_version_ids],
        ),
        activation_id=activation_id,
    )
    # the activation is the decision: the crisis campaign opens approved
    campaign.status = "approved"
    await flush(session)
    await campaigns.record_decision(
        session, campaign, "approve", principal, f"crisis activation {activation_id}"
    )
    activation = CrisisActivation(
        id=activation_id,
        playbook_id=playbook.id,
        organization_id=data.organization_id,
        level=data.level,
        status="active",
        campaign_id=campaign.id,
        suspend_calendar=data.suspend_calendar,
        activated_by=principal.subject,
        activated_at=now,
    )
    session.add(activation)
    await flush(session)
    await session.refresh(activation)
    await record(
        session,
        principal,
        "activate",
        "crisis_activation",
        activation.id,
        activation.organization_id,
        {"playbook_id": playbook.id, "level": data.level, "campaign_id": campaign.id},
    )
    await emit(
        session,
        "crisis.activated",
        aggregate_type="crisis_activation",
        aggregate_id=activation.id,
        organization_id=activation.organization_id,
        payload={
            "activation_id": str(activation.id),
            "playbook_id": str(playbook.id),
            "organization_id": str(activation.organization_id),
            "level": activation.level,
            "tag": tag_of(activation.id),
            "keywords": sorted({normalize(k) for k in playbook.keywords if normalize(k)}),
            "window_start": (now - TAGGING_LOOKBACK).isoformat(),
            "activated_at": now.isoformat(),
            "suspend_calendar": activation.suspend_calendar,
            "suspend_until": (now + timedelta(days=CAMPAIGN_DAYS)).isoformat(),
            "campaign_id": str(campaign.id),
            "reason": playbook.scenario_ar,
        },
    )
    return activation


async def get_activation(
    session: AsyncSession, principal: Principal, activation_id: uuid.UUID, *, lock: bool = False
) -> CrisisActivation:
    require(principal, "campaigns:read")
    activation = await repo.activation_visible(session, principal, activation_id, lock=lock)
    if activation is None:
        raise NotFound("تفعيل الأزمة", "crisis activation")
    return activation


async def close(
    session: AsyncSession, principal: Principal, activation: CrisisActivation
) -> CrisisActivation:
    require(principal, "campaigns:write")
    if activation.status != "active":
        raise InvalidState("close", activation.status)
    now = clock.now()
    activation.status = "closed"
    activation.closed_at = now
    activation.closed_by = principal.subject
    await flush(session)
    await session.refresh(activation)
    if activation.campaign_id is not None:
        campaign = await campaigns.get(session, principal, activation.campaign_id, lock=True)
        if campaign.status == "approved":
            await campaigns.act(session, principal, campaign, "complete", DecisionIn())
    await record(
        session,
        principal,
        "close",
        "crisis_activation",
        activation.id,
        activation.organization_id,
        {"status": ["active", "closed"]},
    )
    await emit(
        session,
        "crisis.closed",
        aggregate_type="crisis_activation",
        aggregate_id=activation.id,
        organization_id=activation.organization_id,
        payload={
            "activation_id": str(activation.id),
            "organization_id": str(activation.organization_id),
            "closed_at": now.isoformat(),
            "suspend_calendar": activation.suspend_calendar,
        },
    )
    return activation


async def live_counts(
    client: httpx.AsyncClient | None, authorization: str | None, activation: CrisisActivation
) -> LiveCounts | None:
    """The tagged inquiries by channel and status and their first-response compliance, from
    the inquiries service (`GET /v1/inquiries/stats?tag=`), asked with the caller's token;
    None when it does not answer."""
    if client is None or authorization is None:
        return None
    start = activation.activated_at - TAGGING_LOOKBACK
    end = (activation.closed_at or clock.now()) + timedelta(days=1)
    try:
        response = await client.get(
            "/v1/inquiries/stats",
            params={
                "organization_id": str(activation.organization_id),
                "tag": tag_of(activation.id),
                "from": start.isoformat(),
                "to": end.isoformat(),
            },
            headers={"Authorization": authorization},
        )
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    stats = response.json()
    return LiveCounts(
        tagged=int(stats["total"]),
        by_channel=stats["by_channel"],
        by_status=stats["by_status"],
        first_response_compliance_percent=stats["first_response"]["compliance_percent"],
    )
