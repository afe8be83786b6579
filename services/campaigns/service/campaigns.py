"""Campaigns: the approval table, flights that become calendar entries through outbox
events, and cited key message versions.

Events (the calendar consumes the flight ones; see `services/calendar/handlers.py`):
- `campaign.submitted`, `campaign.approved`, `campaign.rejected`, `campaign.cancelled`,
  `campaign.completed`, `campaign.reopened` — payload `campaign_id`, `code`, `title_ar`,
  `type`, `organization_id`, `status`, `version`, `start_date`, `end_date`, `channels`,
  `audiences`.
- `campaign.flight.scheduled` | `campaign.flight.changed` — payload `campaign_id`,
  `flight_id`, `organization_id`, `title_ar`, `title_en`, `description_ar` (the
  objective), `start_date`, `end_date` (all-day, inclusive), `channels` ([the flight's]),
  `audiences`, `visibility` ("sector"), `approved` (true while the campaign is approved;
  false when a change sent it back to pending);
- `campaign.flight.cancelled` — payload `campaign_id`, `flight_id`, `organization_id`.
Flight events are emitted only for campaigns that are (or were just) approved.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns import clock
from services.campaigns.domain.decisions import may_approve
from services.campaigns.domain.states import CAMPAIGN_EDITABLE, CAMPAIGN_TRANSITIONS, step
from services.campaigns.errors import invalid, refused, unknown_reference
from services.campaigns.models import Campaign, CampaignDecision, Flight
from services.campaigns.repository import campaigns as repo
from services.campaigns.repository import initiatives as initiatives_repo
from services.campaigns.repository import key_messages as messages_repo
from services.campaigns.repository.base import flush, organization_chain
from services.campaigns.schemas.campaigns import (
    CampaignCreate,
    CampaignUpdate,
    DecisionIn,
    FlightCreate,
    FlightUpdate,
)
from services.campaigns.service.common import (
    check_channels,
    record,
    require,
    snapshot,
    visible_organization,
)
from services.common import search
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import InvalidState, NotFound
from services.common.outbox import emit
from services.common.pagination import PageParams

CampaignFilters = repo.CampaignFilters
FIELDS = (
    "code",
    "title_ar",
    "title_en",
    "type",
    "organization_id",
    "initiative_id",
    "objective_ar",
    "objective_en",
    "audiences",
    "channels",
    "start_date",
    "end_date",
    "budget",
    "currency",
    "key_message_version_ids",
    "status",
    "version",
)
# a change to these of a pending or approved campaign sends it back to pending
REAPPROVAL_FIELDS = frozenset({"start_date", "end_date", "channels"})


async def get(
    session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign:
    require(principal, "campaigns:read")
    campaign = await repo.get_visible(session, principal, campaign_id, lock=lock)
    if campaign is None:
        raise NotFound("الحملة", "campaign")
    return campaign


async def list_campaigns(
    session: AsyncSession,
    principal: Principal,
    filters: repo.CampaignFilters,
    page: PageParams,
    options: search.SearchOptions = search.SearchOptions(),
) -> search.SearchResult:
    require(principal, "campaigns:read")
    if filters.organization_id is not None:
        await visible_organization(session, principal, filters.organization_id, "organization_id")
    return await repo.list_visible(session, principal, filters, page, options)


async def decisions(session: AsyncSession, campaign: Campaign) -> list[CampaignDecision]:
    return await repo.decisions_of(session, campaign.id)


async def check_versions(
    session: AsyncSession, principal: Principal, ids: list[uuid.UUID], field: str
) -> None:
    """Every cited key message version exists for the caller and is approved."""
    found = await messages_repo.versions_by_id(session, principal, ids)
    for index, version_id in enumerate(ids):
        version = found.get(version_id)
        if version is None:
            raise unknown_reference(f"{field}.{index}", "نص الرسالة", "key message version")
        if version.status != "approved":
            raise invalid(
                f"{field}.{index}",
                "لا يُستشهد إلا بنص رسالة معتمد",
                "Only an approved key message version may be cited",
            )


async def _check_references(
    session: AsyncSession, principal: Principal, values: dict[str, Any]
) -> None:
    if values.get("initiative_id") is not None and (
        await initiatives_repo.get_visible(session, principal, values["initiative_id"]) is None
    ):
        raise unknown_reference("initiative_id", "المبادرة", "initiative")
    if values.get("key_message_version_ids"):
        await check_versions(
            session, principal, values["key_message_version_ids"], "key_message_version_ids"
        )


async def record_decision(
    session: AsyncSession, campaign: Campaign, action: str, actor: Principal, comment: str | None
) -> None:
    session.add(
        CampaignDecision(
            id=uuid.uuid4(),
            campaign_id=campaign.id,
            version=campaign.version,
            action=action,
            actor_id=actor.subject,
            comment=comment,
        )
    )
    await session.flush()


def campaign_payload(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": str(campaign.id),
        "code": campaign.code,
        "title_ar": campaign.title_ar,
        "type": campaign.type,
        "organization_id": str(campaign.organization_id),
        "status": campaign.status,
        "version": campaign.version,
        "start_date": campaign.start_date.isoformat(),
        "end_date": campaign.end_date.isoformat(),
        "channels": list(campaign.channels),
        "audiences": list(campaign.audiences),
    }


def flight_payload(campaign: Campaign, flight: Flight, *, approved: bool) -> dict[str, Any]:
    return {
        "campaign_id": str(campaign.id),
        "flight_id": str(flight.id),
        "organization_id": str(campaign.organization_id),
        "title_ar": campaign.title_ar,
        "title_en": campaign.title_en,
        "description_ar": campaign.objective_ar,
        "start_date": flight.start_date.isoformat(),
        "end_date": flight.end_date.isoformat(),
        "channels": [flight.channel],
        "audiences": list(campaign.audiences),
        "visibility": "sector",
        "approved": approved,
        "revision": revision(),
    }


def revision() -> int:
    """The event's time in microseconds: the calendar applies a flight's events in this
    order, whatever order the worker delivers them in."""
    return int(clock.now().timestamp() * 1_000_000)


async def _campaign_event(session: AsyncSession, campaign: Campaign, event_type: str) -> None:
    await emit(
        session,
        event_type,
        aggregate_type="campaign",
        aggregate_id=campaign.id,
        organization_id=campaign.organization_id,
        payload=campaign_payload(campaign),
    )


async def _flight_event(
    session: AsyncSession, campaign: Campaign, flight: Flight, event_type: str, *, approved: bool
) -> None:
    payload = (
        flight_payload(campaign, flight, approved=approved)
        if event_type != "campaign.flight.cancelled"
        else {
            "campaign_id": str(campaign.id),
            "flight_id": str(flight.id),
            "organization_id": str(campaign.organization_id),
            "revision": revision(),
        }
    )
    await emit(
        session,
        event_type,
        aggregate_type="campaign_flight",
        aggregate_id=flight.id,
        organization_id=campaign.organization_id,
        payload=payload,
    )


async def create(
    session: AsyncSession,
    principal: Principal,
    data: CampaignCreate,
    *,
    activation_id: uuid.UUID | None = None,
) -> Campaign:
    require(principal, "campaigns:write")
    await visible_organization(session, principal, data.organization_id, "organization_id")
    values = data.model_dump()
    await _check_references(session, principal, values)
    await check_channels(session, data.organization_id, values.get("channels") or [], "channels")
    campaign = Campaign(
        id=uuid.uuid4(),
        status="draft",
        version=1,
        activation_id=activation_id,
        created_by=principal.subject,
        changed_by=principal.subject,
        **values,
    )
    session.add(campaign)
    await flush(session)
    await session.refresh(campaign)
    await record(
        session,
        principal,
        "create",
        "campaign",
        campaign.id,
        campaign.organization_id,
        snapshot(campaign, FIELDS),
    )
    return campaign


async def update(
    session: AsyncSession, principal: Principal, campaign: Campaign, data: CampaignUpdate
) -> Campaign:
    require(principal, "campaigns:write")
    if campaign.status not in CAMPAIGN_EDITABLE:
        raise InvalidState("update", campaign.status)
    values = {name: getattr(data, name) for name in data.model_fields_set}
    await _check_references(session, principal, values)
    if values.get("channels"):
        await check_channels(session, campaign.organization_id, values["channels"], "channels")
    start = values.get("start_date", campaign.start_date)
    end = values.get("end_date", campaign.end_date)
    if end < start:
        raise invalid(
            "end_date", "تاريخ النهاية قبل تاريخ البداية", "end_date is before start_date"
        )
    flights = await repo.flights_of(session, campaign.id, include_cancelled=False)
    for flight in flights:
        if flight.start_date < start or flight.end_date > end:
            raise invalid(
                "start_date" if flight.start_date < start else "end_date",
                "إحدى الرحلات تقع خارج التواريخ الجديدة",
                "A flight lies outside the new dates",
            )
    before = snapshot(campaign, FIELDS)
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.changed_by = principal.subject
    changes = diff(before, snapshot(campaign, FIELDS))
    reopen = bool(REAPPROVAL_FIELDS & changes.keys()) and campaign.status in {"pending", "approved"}
    was_approved = campaign.status == "approved"
    if reopen:
        campaign.status = step(CAMPAIGN_TRANSITIONS, campaign.status, "reopen")
        campaign.version += 1
    await flush(session)
    await session.refresh(campaign)
    changes = diff(before, snapshot(campaign, FIELDS))
    if changes:
        await record(
            session, principal, "update", "campaign", campaign.id, campaign.organization_id, changes
        )
    if reopen:
        await record_decision(session, campaign, "reopen", principal, None)
        await _campaign_event(session, campaign, "campaign.reopened")
        if was_approved:
            for flight in flights:
                await _flight_event(
                    session, campaign, flight, "campaign.flight.changed", approved=False
                )
    return campaign


async def act(
    session: AsyncSession, principal: Principal, campaign: Campaign, action: str, data: DecisionIn
) -> Campaign:
    """submit | approve | reject | cancel | complete along the transition table."""
    if action in {"approve", "reject"}:
        chain = await organization_chain(session, campaign.organization_id)
        why = may_approve(
            decider=principal.subject,
            decider_roles=principal.roles,
            decider_organization=principal.organization_id,
            author=campaign.created_by,
            last_changed_by=campaign.changed_by,
            organization_chain=chain,
        )
        if why == "self_decision":
            raise refused(
                "self_decision",
                "لا يعتمد أحد حملة كتبها أو عدّلها آخر مرة",
                "Nobody decides on a campaign they wrote or last changed",
            )
        if why is not None:
            raise refused(
                "not_above",
                "يعتمدها رئيس وحدة أو مدير الجهة أو جهة أعلى منها",
                "A unit head or administrator of the organization or above decides",
            )
        if action == "reject" and not data.comment:
            raise invalid("comment", "اذكر سبب الرفض", "Say why it is rejected")
    else:
        require(principal, "campaigns:write")
    before = campaign.status
    campaign.status = step(CAMPAIGN_TRANSITIONS, campaign.status, action)
    await flush(session)
    await session.refresh(campaign)
    await record_decision(session, campaign, action, principal, data.comment)
    await record(
        session,
        principal,
        action,
        "campaign",
        campaign.id,
        campaign.organization_id,
        {"status": [before, campaign.status], "comment": data.comment},
    )
    event_type = {
        "submit": "campaign.submitted",
        "approve": "campaign.approved",
        "reject": "campaign.rejected",
        "cancel": "campaign.cancelled",
        "complete": "campaign.completed",
    }[action]
    await _campaign_event(session, campaign, event_type)
    flights = await repo.flights_of(session, campaign.id, include_cancelled=False)
    if action == "approve":
        for flight in flights:
            await _flight_event(
                session, campaign, flight, "campaign.flight.scheduled", approved=True
            )
    elif action == "cancel":
        for flight in flights:
            await _flight_event(
                session, campaign, flight, "campaign.flight.cancelled", approved=False
            )
    return campaign


# --- flights -------------------------------------------------------------------------


def _inside(campaign: Campaign, flight_start: Any, flight_end: Any) -> None:
    if flight_end < flight_start:
        raise invalid(
            "end_date", "تاريخ النهاية قبل تاريخ البداية", "end_date is before start_date"
        )
    if flight_start < campaign.start_date or flight_end > campaign.end_date:
        raise invalid(
            "start_date" if flight_start < campaign.start_date else "end_date",
            "الرحلة خارج تواريخ الحملة",
            "The flight lies outside the campaign's dates",
        )


def _on_channel(campaign: Campaign, channel: str) -> None:
    if campaign.channels and channel not in campaign.channels:
        raise invalid(
            "channel", "القناة ليست من قنوات الحملة", "The channel is not one of the campaign's"
        )


async def flights(
    session: AsyncSession, campaign: Campaign, page: PageParams
) -> tuple[list[Flight], str | None]:
    return await repo.page_flights(session, campaign.id, page)


async def get_flight(session: AsyncSession, principal: Principal, flight_id: uuid.UUID) -> Flight:
    require(principal, "campaigns:read")
    flight = await repo.flight_visible(session, principal, flight_id)
    if flight is None:
        raise NotFound("الرحلة", "flight")
    return flight


async def create_flight(
    session: AsyncSession, principal: Principal, campaign: Campaign, data: FlightCreate
) -> Flight:
    require(principal, "campaigns:write")
    if campaign.status not in CAMPAIGN_EDITABLE:
        raise InvalidState("add_flight", campaign.status)
    _inside(campaign, data.start_date, data.end_date)
    _on_channel(campaign, data.channel)
    await check_channels(session, campaign.organization_id, [data.channel], "channel")
    flight = Flight(
        id=uuid.uuid4(),
        campaign_id=campaign.id,
        organization_id=campaign.organization_id,
        **data.model_dump(),
    )
    session.add(flight)
    await flush(session)
    await session.refresh(flight)
    await record(
        session,
        principal,
        "create",
        "campaign_flight",
        flight.id,
        flight.organization_id,
        {"channel": flight.channel, "start_date": flight.start_date, "end_date": flight.end_date},
    )
    if campaign.status == "approved":
        await _flight_event(session, campaign, flight, "campaign.flight.scheduled", approved=True)
    return flight


async def update_flight(
    session: AsyncSession, principal: Principal, flight: Flight, data: FlightUpdate
) -> Flight:
    require(principal, "campaigns:write")
    campaign = await get(session, principal, flight.campaign_id, lock=True)
    if flight.cancelled or campaign.status not in CAMPAIGN_EDITABLE:
        raise InvalidState("move", "cancelled" if flight.cancelled else campaign.status)
    values = {name: getattr(data, name) for name in data.model_fields_set}
    _inside(
        campaign,
        values.get("start_date", flight.start_date),
        values.get("end_date", flight.end_date),
    )
    if "channel" in values:
        _on_channel(campaign, values["channel"])
        await check_channels(session, campaign.organization_id, [values["channel"]], "channel")
    before = snapshot(flight, ("channel", "start_date", "end_date"))
    for name, value in values.items():
        setattr(flight, name, value)
    await flush(session)
    await session.refresh(flight)
    changes = diff(before, snapshot(flight, ("channel", "start_date", "end_date")))
    if changes:
        await record(
            session,
            principal,
            "update",
            "campaign_flight",
            flight.id,
            flight.organization_id,
            changes,
        )
        if campaign.status == "approved":
            await _flight_event(session, campaign, flight, "campaign.flight.changed", approved=True)
    return flight


async def cancel_flight(session: AsyncSession, principal: Principal, flight: Flight) -> None:
    require(principal, "campaigns:write")
    if flight.cancelled:
        return
    campaign = await get(session, principal, flight.campaign_id, lock=True)
    flight.cancelled = True
    await flush(session)
    await record(
        session, principal, "cancel", "campaign_flight", flight.id, flight.organization_id, {}
    )
    if campaign.status == "approved":
        await _flight_event(session, campaign, flight, "campaign.flight.cancelled", approved=False)
