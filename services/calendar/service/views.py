"""An entry as the API shows it: Hijri dates, approval steps and history, conflicts."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.models import Entry
from services.calendar.repository import occurrences as occurrence_repo
from services.calendar.service import conflicts
from services.calendar.service.approvals import approval_view
from services.calendar.service.materialize import hijri_of, local_days
from services.common.attachments import repository as attachment_records


async def describe(
    session: AsyncSession, entry: Entry, found: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    tz = ZoneInfo(entry.timezone)
    if entry.all_day:
        first, last = entry.start_date, entry.end_date
    else:
        first, last = local_days(entry.starts_at, entry.ends_at, tz)
    view = (await approval_view(session, [entry.id]))[entry.id]
    if found is None:
        found = await conflicts.of_entry(session, entry)
    series_end = entry.series_span.upper if entry.series_span.upper else entry.ends_at
    return {
        "id": entry.id,
        "organization_id": entry.organization_id,
        "kind": entry.kind,
        "title_ar": entry.title_ar,
        "title_en": entry.title_en,
        "description_ar": entry.description_ar,
        "description_en": entry.description_en,
        "all_day": entry.all_day,
        "starts_at": None if entry.all_day else entry.starts_at.astimezone(tz),
        "ends_at": None if entry.all_day else entry.ends_at.astimezone(tz),
        "start_date": entry.start_date,
        "end_date": entry.end_date,
        "timezone": entry.timezone,
        "rrule": entry.rrule,
        "exdates": list(entry.exdates),
        "channels": list(entry.channels),
        "audiences": list(entry.audiences),
        "visibility": entry.visibility,
        "spokesperson_id": entry.spokesperson_id,
        "location": entry.location,
        "campaign_id": entry.campaign_id,
        "flight_id": entry.flight_id,
        "external_source": entry.external_source,
        "external_id": entry.external_id,
        "blocks": list(entry.blocks),
        "enforcement": entry.enforcement,
        "status": entry.status,
        "version": entry.version,
        "hijri": hijri_of(first, last),
        "series_ends_at": series_end.astimezone(tz),
        "occurrence_count": await occurrence_repo.count_of(session, entry.id),
        "split_from_id": entry.split_from_id,
        "suspension_id": entry.suspension_id,
        "attachment_ids": [a.id for a in await attachment_records.owned_by(session, [entry.id])],
        "created_by": entry.created_by,
        "updated_by": entry.updated_by,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
        "approval": {
            "steps": [
                {
                    "position": s.position,
                    "version": s.version,
                    "level": s.level,
                    "organization_id": s.organization_id,
                    "roles": list(s.roles),
                    "status": s.status,
                    "decided_by": s.decided_by,
                    "decided_at": s.decided_at,
                    "comment": s.comment,
                }
                for s in view["steps"]
            ],
            "history": [
                {
                    "version": h.version,
                    "action": h.action,
                    "from_status": h.from_status,
                    "to_status": h.to_status,
                    "actor_id": h.actor_id,
                    "actor_type": h.actor_type,
                    "comment": h.comment,
                    "suspension_id": h.suspension_id,
                    "occurred_at": h.occurred_at,
                }
                for h in view["history"]
            ],
        },
        "conflicts": found,
    }
