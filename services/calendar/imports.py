"""Bulk import of calendar entries (kind `entries`): CSV, JSON Lines, `.xlsx`, `.ics`.

A row is `POST /v1/calendar/entries`'s body (`EntryImportRow`, validated by the create
schema) plus its key in the source system; an `.ics` file gives one row per UID
(`domain/ics_import.py`: RRULE and EXDATE kept as the entry's recurrence, RECURRENCE-ID
events as its moved or cancelled occurrences). A new key goes through the create use case
(`service.entries.create`: the organization must be in the importer's subtree, channels
resolved, occurrences materialized, a draft with its history), then its overrides through
the occurrence use case (`service.series.change_occurrence`). A key imported before goes
through the update use case (`service.entries.update`: only what differs changes, a change
the approvers look at sends a pending or approved entry back to `pending`), so a rerun of
the same file changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import recurrence
from services.calendar.domain.ics_import import IcsReader
from services.calendar.domain.recurrence import RuleError
from services.calendar.errors import invalid
from services.calendar.models import Entry, Override
from services.calendar.repository import entries as entries_repo
from services.calendar.repository import imports as imports_repo
from services.calendar.schemas.entries import EntryUpdate
from services.calendar.schemas.imports import EntryImportRow, OverrideRow
from services.calendar.service import entries, series
from services.calendar.service.common import now, visible_organization
from services.calendar.service.materialize import materialize
from services.common.auth import Principal
from services.common.errors import DomainError, NotFound
from services.common.i18n import text
from services.common.imports.kinds import JobRun, Row, register
from services.common.imports.rowwise import RowRefused, RowwiseKind, Verdict

# the update body's fields a row sets (its organization and key never change; documents
# it cites are attached when it is created, and a rerun does not cite them again)
UPDATED_FIELDS = tuple(name for name in EntryUpdate.model_fields if name != "attachment_ids")


def _same(override: Override, item: OverrideRow, all_day: bool) -> bool:
    if item.cancelled or override.cancelled:
        return item.cancelled == override.cancelled
    if all_day:
        return (override.start_date, override.end_date) == (item.start_date, item.end_date)
    return (override.starts_at, override.ends_at) == (item.starts_at, item.ends_at)


async def _overrides(
    session: AsyncSession, principal: Principal, entry: Entry, wanted: list[OverrideRow]
) -> bool:
    """Makes the entry's moved and cancelled occurrences those of the row; True when any
    changed."""
    existing = {o.recurrence_id: o for o in await entries_repo.overrides_of(session, entry.id)}
    changed = False
    seen: set[str] = set()
    for index, item in enumerate(wanted):
        try:
            rid = recurrence.parse_recurrence_id(item.recurrence_id, entry.all_day)
        except RuleError as exc:
            raise invalid(f"overrides.{index}", exc.message_ar, exc.message_en) from exc
        seen.add(rid)
        current = existing.get(rid)
        if current is not None and _same(current, item, entry.all_day):
            continue
        try:
            await series.change_occurrence(
                session,
                principal,
                entry,
                rid,
                "this",
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                start_date=item.start_date,
                end_date=item.end_date,
                cancelled=item.cancelled,
            )
        except NotFound as exc:
            raise invalid(
                f"overrides.{index}",
                f"لا يوجد في السلسلة موعد {rid}",
                f"The series has no occurrence {rid}",
            ) from exc
        changed = True
    stale = [rid for rid in existing if rid not in seen]
    if stale:
        await entries_repo.drop_overrides(session, entry.id, stale)
        entry.updated_at = now()
        await materialize(session, entry)
        changed = True
    return changed


@register
class EntriesImport(RowwiseKind):
    service = "calendar"
    name = "entries"
    permission = "calendar:write"
    schema = EntryImportRow
    formats = ("csv", "jsonl", "xlsx", "ics")
    batch_size = 200
    description = (
        "calendar entries: the `POST /v1/calendar/entries` fields plus `external_id`, "
        "`external_source`, `organization_code`; or an `.ics` file (one entry per UID, "
        "RRULE/EXDATE kept, RECURRENCE-ID events as moved or cancelled occurrences)."
    )

    def records(self, path: Path, format: str, encoding: str | None) -> Any:
        return IcsReader(path) if format == "ics" else None

    async def stored(
        self, session: AsyncSession, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], Entry]:
        return await imports_repo.entries_by_key(session, keys)

    async def upsert(
        self, session: AsyncSession, job: JobRun, row: Row, stored: Entry | None
    ) -> Verdict:
        data: EntryImportRow = row.data
        principal = job.principal
        if data.organization_code is not None:
            data.organization_id = self.organization_of(job, data.organization_code)
        data.external_source = self.key(job, row)[0]
        if stored is None:
            entry = await entries.create(session, principal, data.create_body())
            if data.overrides:
                await _overrides(session, principal, entry, data.overrides)
            if data.cancelled:
                await entries.cancel(session, principal, entry)
            return "imported"
        return await self._update(session, principal, stored, data)

    async def _update(
        self, session: AsyncSession, principal: Principal, stored: Entry, data: EntryImportRow
    ) -> Verdict:
        # the importer may change what it may create: entries of its subtree (drafts of
        # other organizations included, which its reads leave out)
        entry = stored
        try:
            await visible_organization(session, principal, entry.organization_id, "external_id")
        except DomainError as exc:
            raise RowRefused(
                "external_id",
                text(
                    "الموعد بهذا المعرّف لجهة خارج جهتك وما يتبعها",
                    "The entry of this key belongs to an organization outside your subtree",
                ),
                data.external_id,
            ) from exc
        wanted = data.organization_id or principal.organization_id
        if wanted is not None and wanted != entry.organization_id:
            raise RowRefused(
                "organization_code" if data.organization_code else "organization_id",
                text(
                    "الموعد المستورد من قبل يبقى في جهته",
                    "An entry imported before stays in its organization",
                ),
                data.organization_code or wanted,
            )
        if entry.status == "cancelled":
            if data.cancelled:
                return "unchanged"
            raise RowRefused(
                "external_id",
                text("الموعد ملغى ولا يتغير", "The entry is cancelled and does not change"),
                data.external_id,
            )
        before = (entries.snapshot(entry), entry.updated_at)
        fields = {name: getattr(data, name) for name in UPDATED_FIELDS}
        if fields["timezone"] is None:
            del fields["timezone"]  # the organization's, as on create
        entry, _ = await entries.update(
            session, principal, entry, EntryUpdate.model_validate(fields)
        )
        changed = await _overrides(session, principal, entry, data.overrides)
        if data.cancelled:
            await entries.cancel(session, principal, entry)
            changed = True
        if changed or before != (entries.snapshot(entry), entry.updated_at):
            return "updated"
        return "unchanged"
