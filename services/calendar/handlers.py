"""Worker side of the calendar (imported by the worker).

- Campaign flights: the campaigns service emits `campaign.flight.scheduled`,
  `campaign.flight.changed` and `campaign.flight.cancelled`; each becomes, moves or
  cancels one `campaign_flight` entry keyed on (`external_source` = "campaigns",
  `external_id` = "<campaign_id>/<flight_id>"), so a redelivered event changes nothing.
  The payload (the campaigns service only has to emit it):

      {"campaign_id": "<uuid>", "flight_id": "<its id>", "organization_id": "<uuid>",
       "title_ar": "…", "title_en": "…"?, "description_ar": "…"?,
       "start_date": "2027-02-08", "end_date": "2027-03-09"        (all-day, inclusive)
         or "starts_at"/"ends_at" (RFC 3339), "timezone"?,
       "channels": ["x", "tv"]?, "audiences": ["families"]?, "visibility": "sector"?,
       "approved": true?}

  `approved` (default true: the campaign was approved where it was planned) makes the
  entry `approved` directly; false leaves it `pending` on the calendar's own policy.
  Channels the directory does not know for the organization are left out rather than
  failing the event. Cancelling needs only the two ids. Each event carries `revision` (its
  time in microseconds); the entry keeps the last one applied, so an older event that the
  worker delivers after a newer one changes nothing.
- Crises: `crisis.activated` with `suspend_calendar` suspends the scope's approved entries
  from the activation to `suspend_until` (a suspension whose id is the activation's, so a
  redelivery finds it); `crisis.closed` lifts it (a close that arrives first is retried).
- `finish_ended_entries(session)` → every ten minutes: approved entries whose last
  occurrence ended become `done`.
- `collect_search_words(session)` → every minute (periodic job
  `services.calendar.handlers.collect_search_words`): the words of entries written or
  changed since the last run join the search's words table (typo corrections of `q`).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain.states import Action, Status
from services.calendar.models import Entry
from services.calendar.repository import approvals as approval_repo
from services.calendar.repository import entries as entry_repo
from services.calendar.schemas.entries import EntryCreate, EntryUpdate
from services.calendar.service import approvals, materialize, suspensions
from services.calendar.service import entries as service
from services.calendar.service.common import SYSTEM, event, now
from services.common import search_words
from services.common.errors import DomainError
from services.common.outbox import Event, handles

SOURCE = "campaigns"
FLIGHT_FIELDS = (
    "title_ar",
    "title_en",
    "description_ar",
    "description_en",
    "start_date",
    "end_date",
    "starts_at",
    "ends_at",
    "timezone",
    "audiences",
    "visibility",
)


def flight_key(payload: dict[str, Any]) -> str:
    return f"{payload['campaign_id']}/{payload['flight_id']}"


async def _known_channels(session: AsyncSession, org_id: uuid.UUID, values: list[str]) -> list[str]:
    kept = []
    for value in values:
        try:
            await materialize.resolve_channels(session, org_id, [value])
        except DomainError:
            continue
        kept.append(value)
    return kept


@handles("campaign.flight.scheduled", "campaign.flight.changed")
async def upsert_flight(event_: Event, session: AsyncSession) -> None:
    payload = event_.payload
    key = flight_key(payload)
    org_id = uuid.UUID(str(payload["organization_id"]))
    fields = {k: payload[k] for k in FLIGHT_FIELDS if payload.get(k) is not None}
    fields["all_day"] = "start_date" in fields
    fields["channels"] = await _known_channels(session, org_id, list(payload.get("channels") or []))
    approved = bool(payload.get("approved", True))
    revision = _revision(payload)
    entry = await entry_repo.find_external(session, SOURCE, key, for_update=True)
    if entry is not None and _older(revision, entry.external_revision):
        return  # a newer event of the flight was applied already
    if entry is None:
        data = EntryCreate(
            organization_id=org_id,
            kind="campaign_flight",
            campaign_id=uuid.UUID(str(payload["campaign_id"])),
            flight_id=str(payload["flight_id"]),
            external_source=SOURCE,
            external_id=key,
            **fields,
        )
        entry = await service.create(session, SYSTEM, data)
        await approvals.submit(session, SYSTEM, entry)
    else:
        if entry.status in {Status.CANCELLED, Status.DONE}:
            return
        try:
            change = EntryUpdate.model_validate(fields)
        except ValidationError:
            raise
        entry, _ = await service.update(session, SYSTEM, entry, change)
        await approvals.ensure_steps(session, entry)
    if revision is not None:
        entry.external_revision = revision
    if approved and entry.status == Status.PENDING:
        await _approve_from_campaign(session, entry)


def _revision(payload: dict[str, Any]) -> int | None:
    value = payload.get("revision")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _older(revision: int | None, applied: int | None) -> bool:
    return revision is not None and applied is not None and revision <= applied


async def _approve_from_campaign(session: AsyncSession, entry: Any) -> None:
    """The campaign's approval stands for the flight's: open steps are closed by it."""
    for step in await approval_repo.current_steps(session, entry.id, entry.version):
        if step.status in {"waiting", "queued"}:
            step.status, step.decided_by, step.decided_at = "approved", SYSTEM.subject, now()
            step.comment = "approved with the campaign"
    await service.transition(
        session, SYSTEM, entry, Action.APPROVE, comment="approved with the campaign"
    )
    await event(
        session,
        "calendar.entry.approved",
        "calendar_entry",
        entry.id,
        entry.organization_id,
        {**service.entry_payload(entry), "approved_by": SYSTEM.subject},
    )


@handles("campaign.flight.cancelled")
async def cancel_flight(event_: Event, session: AsyncSession) -> None:
    entry = await entry_repo.find_external(
        session, SOURCE, flight_key(event_.payload), for_update=True
    )
    if entry is None or entry.status in {Status.CANCELLED, Status.DONE}:
        return
    revision = _revision(event_.payload)
    if _older(revision, entry.external_revision):
        return
    await service.cancel(session, SYSTEM, entry)
    if revision is not None:
        entry.external_revision = revision


@handles("crisis.activated")
async def suspend_for_crisis(event_: Event, session: AsyncSession) -> None:
    await suspensions.suspend_for_crisis(session, event_.payload)


@handles("crisis.closed")
async def lift_crisis_suspension(event_: Event, session: AsyncSession) -> None:
    await suspensions.lift_for_crisis(session, event_.payload)


async def finish_ended_entries(session: AsyncSession) -> int:
    finished = await entry_repo.finished(session, now())
    for entry in finished:
        await service.transition(session, SYSTEM, entry, Action.FINISH)
    return len(finished)


async def collect_search_words(session: AsyncSession) -> int:
    """Reads the entries written or changed since the last run into `common_search_word`
    (by `updated_at`: a changed title's new words are read; an entry changed again is
    counted again, and the counts only break ties between equally near words)."""
    return await search_words.collect_words(
        session, "calendar_entry", Entry.search_text, Entry.updated_at
    )
