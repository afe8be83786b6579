"""The `entries` import kind (see the package's docstring)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import recurrence
from services.calendar.domain.ics_import import IcsReader
from services.calendar.domain.recurrence import RuleError
from services.calendar.errors import invalid
from services.calendar.imports.batch import Batch, draft
from services.calendar.models import Entry, Override
from services.calendar.repository import imports as imports_repo
from services.calendar.schemas.imports import EntryImportRow, OverrideRow
from services.calendar.service import entries, series
from services.common import audit
from services.common.auth import Principal
from services.common.errors import DomainError, NotFound
from services.common.i18n import text
from services.common.imports.kinds import JobRun, Outcome, Row, register
from services.common.imports.rowwise import (
    RowRefused,
    RowwiseKind,
    Verdict,
    refusal_of,
    session_on,
    tally,
)


async def _overrides(
    session: AsyncSession, principal: Principal, entry: Entry, wanted: list[OverrideRow]
) -> None:
    """The row's moved and cancelled occurrences of a new entry, through the occurrence
    change (`series.change_occurrence`, scope `this`)."""
    for index, item in enumerate(wanted):
        try:
            rid = recurrence.parse_recurrence_id(item.recurrence_id, entry.all_day)
        except RuleError as exc:
            raise invalid(f"overrides.{index}", exc.message_ar, exc.message_en) from exc
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


def _count(outcome: Outcome, written: tuple[int, int, int]) -> None:
    imported, updated, unchanged = written
    outcome.imported += imported
    outcome.updated += updated
    outcome.unchanged += unchanged


def _outside(data: EntryImportRow) -> RowRefused:
    return RowRefused(
        "external_id",
        text(
            "الموعد بهذا المعرّف لجهة خارج جهتك وما يتبعها",
            "The entry of this key belongs to an organization outside your subtree",
        ),
        data.external_id,
    )


def _cancelled(data: EntryImportRow) -> RowRefused:
    return RowRefused(
        "external_id",
        text("الموعد ملغى ولا يتغير", "The entry is cancelled and does not change"),
        data.external_id,
    )


@register
class EntriesImport(RowwiseKind):
    service = "calendar"
    name = "entries"
    permission = "calendar:write"
    schema = EntryImportRow
    formats = ("csv", "jsonl", "xlsx", "ics")
    batch_size = 500
    description = (
        "calendar entries: the `POST /v1/calendar/entries` fields plus `external_id`, "
        "`external_source`, `organization_code`; or an `.ics` file (one entry per UID, "
        "RRULE/EXDATE kept, RECURRENCE-ID events as moved or cancelled occurrences)."
    )

    def records(self, path: Path, format: str, encoding: str | None) -> Any:
        return IcsReader(path) if format == "ics" else None

    async def load(self, connection: Any, job: JobRun, rows: list[Row]) -> Outcome:
        """Set-based (`batch.py`): every row decided by the calendar's rules in Python, the
        batch's new and changed entries written by one upsert with their history and
        events, their occurrences and overrides COPied. Row by row through the use cases
        (`upsert`), as before: a new entry citing documents (`attachment_ids`)."""
        forbidden = self.refused_all(job, rows)
        if forbidden is not None:
            return forbidden
        outcome = Outcome()
        with audit.folded():
            async with session_on(connection, job) as session:
                await self.prepare(session, job, rows)
                stored = {
                    key: draft(**values)
                    for key, values in (
                        await imports_repo.stored_entries(
                            connection, list({self.key(job, row) for row in rows})
                        )
                    ).items()
                }
                existing = await imports_repo.overrides_of(
                    session, [entry.id for entry in stored.values()]
                )
                batch = Batch(session, job.principal)
                await batch.look_up(*self._referenced(job, rows, stored.values()))
                one_by_one: list[Row] = []
                for row, key in self.distinct(job, rows, outcome):
                    data: EntryImportRow = row.data
                    found = stored.get(key)
                    try:
                        if data.organization_code is not None:
                            data.organization_id = self.organization_of(job, data.organization_code)
                        data.external_source = key[0]
                        if found is None and data.attachment_ids:
                            one_by_one.append(row)
                        elif found is None:
                            await batch.add_new(data)
                        elif not await self._known(batch, job, data, found, existing):
                            outcome.unchanged += 1
                    except RowRefused as refused:
                        outcome.rejections.append(refused.rejection(row.line))
                    except DomainError as exc:
                        outcome.rejections.append(refusal_of(exc, row.line, dict(row.values)))
                    if batch.full():
                        _count(outcome, await batch.write(connection))
                _count(outcome, await batch.write(connection))
                for row in one_by_one:
                    tally(outcome, await self._one(session, job, row, None))
        return outcome

    def _referenced(
        self, job: JobRun, rows: list[Row], stored: Any
    ) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
        """The organizations and staff members the batch's rows and entries name."""
        org_ids = {entry.organization_id for entry in stored}
        user_ids: set[uuid.UUID] = set()
        for row in rows:
            data: EntryImportRow = row.data
            org_id = data.organization_id or job.principal.organization_id
            if data.organization_code is not None:
                try:
                    org_id = self.organization_of(job, data.organization_code)
                except RowRefused:
                    org_id = None
            if org_id is not None:
                org_ids.add(org_id)
            if data.spokesperson_id is not None:
                user_ids.add(data.spokesperson_id)
        return org_ids, user_ids

    async def _known(
        self,
        batch: Batch,
        job: JobRun,
        data: EntryImportRow,
        entry: Entry,
        existing: dict[Any, list[Override]],
    ) -> bool:
        """A key imported before: refused when its entry is outside the importer's subtree,
        in another organization than the row's, or cancelled; else planned (True) unless
        the row changes nothing."""
        try:
            await batch.visible(entry.organization_id, "external_id")
        except DomainError as exc:
            raise _outside(data) from exc
        self._same_organization(job.principal, entry, data)
        if entry.status == "cancelled":
            if data.cancelled:
                return False
            raise _cancelled(data)
        return await batch.add_known(data, entry, existing.get(entry.id, []))

    async def upsert(
        self, session: AsyncSession, job: JobRun, row: Row, stored: Entry | None
    ) -> Verdict:
        """A new entry citing documents, through the use cases: `entries.create` (which
        attaches them), its overrides by `series.change_occurrence`, `entries.cancel`."""
        assert stored is None, "a known key's row loads set-based"
        data: EntryImportRow = row.data
        principal = job.principal
        if data.organization_code is not None:
            data.organization_id = self.organization_of(job, data.organization_code)
        data.external_source = self.key(job, row)[0]
        entry = await entries.create(session, principal, data.create_body())
        if data.overrides:
            await _overrides(session, principal, entry, data.overrides)
        if data.cancelled:
            await entries.cancel(session, principal, entry)
        return "imported"

    @staticmethod
    def _same_organization(principal: Principal, entry: Entry, data: EntryImportRow) -> None:
        """An entry imported before stays in its organization."""
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
