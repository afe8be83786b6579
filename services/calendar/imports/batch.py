"""The set-based load of a batch of calendar entries.

Each row is decided in Python by the calendar's own rules (`service.entries.build_entry`
for a new key, `checked_fields` and `apply_update` for a known one; the series expanded
by `instances_of` and materialized by `expand`, channels resolved by the `ChannelBook` of
the organization, overrides filled by `series.fill_override`, `needs_reapproval`), with
what those rules read from the database looked up once per organization (or staff member)
per batch. The batch is then written by `repository/imports.py`: the entries COPied into a
staging table and upserted by one statement with their history rows and outbox events,
then their occurrences and overrides COPied. A known key whose row changes nothing writes
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import recurrence
from services.calendar.domain.recurrence import Instance, RuleError
from services.calendar.domain.states import APPROVAL_FIELDS, Action, Status, next_status
from services.calendar.errors import invalid, unknown_reference
from services.calendar.models import Entry, Override
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import imports as repo
from services.calendar.repository.directory import OrganizationFacts
from services.calendar.schemas.entries import EntryUpdate
from services.calendar.schemas.imports import EntryImportRow, OverrideRow
from services.calendar.service import entries
from services.calendar.service.materialize import ChannelBook, expand, instances_of
from services.calendar.service.series import fill_override
from services.common import audit
from services.common.auth import Principal
from services.common.orgtree import DEFAULT_TIMEZONE

# the update body's fields a row sets (its organization and key never change; documents
# it cites are attached when it is created, and a rerun does not cite them again)
UPDATED_FIELDS = tuple(name for name in EntryUpdate.model_fields if name != "attachment_ids")
# occurrence rows held before the planned entries are written (several writes a batch)
OCCURRENCES_PER_WRITE = 20_000


class _Draft:
    """An entry's values in memory: what the calendar's rules read and set of an `Entry`,
    without the ORM's instrumentation (a third of an import's time when each entry was an
    `Entry`); never added to a session."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def draft(**values: Any) -> Entry:
    """An entry of these column values, for the rules only (`_Draft`)."""
    return cast(Entry, _Draft(**values))


def same_override(override: Override, item: OverrideRow, all_day: bool) -> bool:
    """The stored override is what the row asks for (as given, before defaults)."""
    if item.cancelled or override.cancelled:
        return item.cancelled == override.cancelled
    if all_day:
        return (override.start_date, override.end_date) == (item.start_date, item.end_date)
    return (override.starts_at, override.ends_at) == (item.starts_at, item.ends_at)


def _held(a: Override, b: Override) -> bool:
    return (a.starts_at, a.ends_at, a.start_date, a.end_date, a.cancelled) == (
        b.starts_at,
        b.ends_at,
        b.start_date,
        b.end_date,
        b.cancelled,
    )


@dataclass
class Overrides:
    """An entry's overrides as the row wants them: all of them by recurrence id, those to
    write, those to delete, and the recurrence ids that moved or went."""

    final: dict[str, Override] = field(default_factory=dict)
    added: dict[str, Override] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)

    def touched(self) -> list[str]:
        """The recurrence ids moved, cancelled or no longer overridden."""
        return self.moved + [rid for rid in self.dropped if rid not in self.added]


def settle_overrides(
    entry: Entry,
    instances: Callable[[], list[Instance]],
    wanted: list[OverrideRow],
    existing: list[Override],
) -> Overrides:
    """`series.change_occurrence(scope="this")` for each override of the row (its
    recurrence id must be an occurrence of the series), the stored ones the row no longer
    has dropped; an override that holds what the row says already is kept."""
    stored = {o.recurrence_id: o for o in existing}
    out = Overrides()
    by_rid: dict[str, Instance] | None = None
    for index, item in enumerate(wanted):
        try:
            rid = recurrence.parse_recurrence_id(item.recurrence_id, entry.all_day)
        except RuleError as exc:
            raise invalid(f"overrides.{index}", exc.message_ar, exc.message_en) from exc
        out.added.pop(rid, None)  # a recurrence id twice: the later line holds
        current = stored.get(rid)
        if current is not None and same_override(current, item, entry.all_day):
            out.final[rid] = current
            continue
        if by_rid is None:
            by_rid = {i.recurrence_id: i for i in instances()}
        instance = by_rid.get(rid)
        if instance is None:
            raise invalid(
                f"overrides.{index}",
                f"لا يوجد في السلسلة موعد {rid}",
                f"The series has no occurrence {rid}",
            )
        override = Override(entry_id=entry.id, recurrence_id=rid)
        fill_override(
            override, entry, instance, item.starts_at, item.ends_at, item.start_date, item.end_date
        )
        override.cancelled = item.cancelled
        if current is not None and _held(current, override):
            out.final[rid] = current
            continue
        out.final[rid] = out.added[rid] = override
        if rid not in out.moved:
            out.moved.append(rid)
    out.moved = [rid for rid in out.moved if rid in out.added]
    for rid in stored:
        if rid not in out.final or rid in out.added:
            out.dropped.append(rid)
    return out


@dataclass
class Planned:
    """One entry to write: its occurrence rows, overrides, history rows (version, action,
    from, to, comment) and events (type, payload), in order."""

    entry: Entry
    occurrences: list[dict[str, Any]]
    overrides: Overrides
    history: list[tuple[int, str, str | None, str, str | None]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def cancel(self, principal: Principal) -> None:
        """`entries.cancel`: the entry (and its occurrences) cancelled, its history row
        and `calendar.entry.cancelled` event."""
        entry = self.entry
        previous = entry.status
        entry.status = next_status(Action.CANCEL, entry.status)
        entry.updated_by = principal.subject
        for row in self.occurrences:
            row["status"] = entry.status
        self.history.append((entry.version, Action.CANCEL.value, previous, entry.status, None))
        self.events.append(("calendar.entry.cancelled", read_back(entry)))


def read_back(entry: Entry) -> dict[str, Any]:
    """`entries.entry_payload` as the stored entry reads back (its times in UTC)."""
    return {
        **entries.entry_payload(entry),
        "starts_at": entry.starts_at.astimezone(UTC),
        "ends_at": entry.ends_at.astimezone(UTC),
    }


class Batch:
    """The rows of one batch decided, then written in one go (`write`)."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session, self.principal = session, principal
        self.planned: list[Planned] = []
        self.occurrences = 0  # the planned entries' occurrence rows
        self._facts: dict[uuid.UUID, OrganizationFacts | None] = {}
        self._channels: dict[uuid.UUID, list[Any]] = {}  # by organization
        self._books: dict[uuid.UUID, ChannelBook] = {}
        self._staff: set[uuid.UUID] = set()
        self._asked: set[uuid.UUID] = set()

    # --- what the rules read, for every organization (or staff member) of the batch at once

    async def look_up(self, org_ids: set[uuid.UUID], user_ids: set[uuid.UUID]) -> None:
        """The organizations' visibility, time zones and chains, their channels and the
        staff members, each in one query; anything not looked up here is on first use."""
        org_ids -= self._facts.keys()
        if org_ids:
            found = await directory_repo.facts_of(self.session, self.principal, list(org_ids))
            for org_id in org_ids:
                self._facts[org_id] = found.get(org_id)
            chains = {a for facts in found.values() for a in facts.chain} - self._channels.keys()
            for org_id in chains:
                self._channels[org_id] = []
            for row in await directory_repo.channels_of(self.session, list(chains)):
                self._channels[row.organization_id].append(row)
        user_ids -= self._asked
        if user_ids:
            self._asked |= user_ids
            self._staff |= await directory_repo.users_found(self.session, list(user_ids))

    async def visible(self, org_id: uuid.UUID, field_name: str = "organization_id") -> None:
        """`visible_organization`: the principal sees the organization."""
        if org_id not in self._facts:
            await self.look_up({org_id}, set())
        facts = self._facts[org_id]
        if facts is None or not facts.visible:
            raise unknown_reference(field_name, "الجهة", "organization")

    async def spokesperson(self, user_id: uuid.UUID | None) -> None:
        """`entries.check_spokesperson`: the staff member exists."""
        if user_id is None:
            return
        if user_id not in self._asked:
            await self.look_up(set(), {user_id})
        if user_id not in self._staff:
            raise unknown_reference("spokesperson_id", "المتحدث", "staff member")

    async def timezone(self, org_id: uuid.UUID) -> str:
        """`timezone_for` (of an organization `visible` passed)."""
        if org_id not in self._facts:
            await self.look_up({org_id}, set())
        facts = self._facts[org_id]
        return (facts.timezone if facts else None) or DEFAULT_TIMEZONE

    async def channels(self, entry: Entry) -> list[str]:
        """`resolve_channels` of the entry's organization (one `visible` passed)."""
        if not entry.channels:
            return []
        org_id = entry.organization_id
        if org_id not in self._books:
            await self.look_up({org_id}, set())
            facts = self._facts[org_id]
            chain = facts.chain if facts else []
            self._books[org_id] = ChannelBook.of(
                chain, [row for a in chain for row in self._channels.get(a, [])]
            )
        return self._books[org_id].resolve(entry.channels)

    # --- the rows ------------------------------------------------------------------------

    async def add_new(self, data: EntryImportRow) -> None:
        """A new key: `entries.create`'s checks and values, then its overrides as
        `series.change_occurrence` makes them. Raises the create's `DomainError`."""
        org_id = data.organization_id or self.principal.organization_id
        if org_id is None:
            raise invalid("organization_id", "حدّد الجهة", "organization_id is required")
        await self.visible(org_id)
        await self.spokesperson(data.spokesperson_id)
        tz_name = data.timezone or await self.timezone(org_id)
        entry = entries.build_entry(self.principal, data.create_body(), org_id, tz_name, make=draft)
        instances = instances_of(entry)
        channels = await self.channels(entry)
        overrides = settle_overrides(entry, lambda: instances, data.overrides, [])
        rows = expand(entry, instances, channels, overrides.final)
        planned = Planned(entry, rows, overrides)
        planned.history.append((1, "create", None, entry.status, None))
        if overrides.moved:
            changed = [f"occurrence {rid}" for rid in overrides.moved]
            planned.events.append(
                ("calendar.entry.changed", {**read_back(entry), "changed": changed})
            )
        if data.cancelled:
            planned.cancel(self.principal)
        self._plan(planned)

    async def add_known(
        self, data: EntryImportRow, stored: Entry, existing: list[Override]
    ) -> bool:
        """A known key: the entry becomes what the row says (`entries.update`'s rules on
        every field, the row's overrides those of `series.change_occurrence`, the others
        dropped). False when nothing changes (nothing is written)."""
        entry = draft(**{name: getattr(stored, name) for name in repo.ENTRY_COLUMNS})
        fields = {name: getattr(data, name) for name in UPDATED_FIELDS}
        if fields["timezone"] is None:
            del fields["timezone"]  # the entry's own, as an update leaves it
        body = EntryUpdate.model_validate(fields)
        sent = entries.checked_fields(
            entry, {name: getattr(body, name) for name in body.model_fields_set}
        )
        await self.spokesperson(sent.get("spokesperson_id"))
        changes = entries.apply_update(entry, sent)
        instances: list[Instance] = []

        def expanded() -> list[Instance]:
            if not instances:
                instances.extend(instances_of(entry))
            return instances

        overrides = settle_overrides(entry, expanded, data.overrides, existing)
        if not changes and not overrides.added and not overrides.dropped and not data.cancelled:
            return False
        rows = expand(entry, expanded(), await self.channels(entry), overrides.final)
        planned = Planned(entry, rows, overrides)
        if changes or overrides.added or overrides.dropped:
            reapprove = needs_reapproval(entry, changes, overrides)
            if reapprove:
                previous = entry.status
                entry.status = next_status(Action.CHANGE, entry.status)
                entry.version += 1
                what = sorted(APPROVAL_FIELDS & set(changes))
                what += [f"occurrence {rid}" for rid in overrides.moved]
                planned.history.append(
                    (entry.version, "change", previous, entry.status, "; ".join(what))
                )
            entry.updated_by = self.principal.subject
            for row in rows:
                row["status"] = entry.status
            changed = sorted(changes) + [f"occurrence {rid}" for rid in overrides.touched()]
            payload = {**entries.entry_payload(entry), "changed": changed}
            planned.events.append(("calendar.entry.changed", {**payload, "reapproval": reapprove}))
        if data.cancelled:
            planned.cancel(self.principal)
        self._plan(planned)
        return True

    def _plan(self, planned: Planned) -> None:
        self.planned.append(planned)
        self.occurrences += len(planned.occurrences)

    # --- the write -----------------------------------------------------------------------

    def full(self) -> bool:
        """Enough occurrence rows planned to write them before the batch ends (a batch of
        long daily series would otherwise hold millions; the writes stay in the batch's
        transaction)."""
        return self.occurrences >= OCCURRENCES_PER_WRITE

    async def write(self, connection: Any) -> tuple[int, int, int]:
        """The planned entries in one statement, then their occurrences and overrides;
        (inserted, updated, left alone: a key another import wrote meanwhile). The plan is
        emptied."""
        if not self.planned:
            return 0, 0, 0
        planned, self.planned, self.occurrences = self.planned, [], 0
        return await self._write(connection, planned)

    async def _write(self, connection: Any, planned: list[Planned]) -> tuple[int, int, int]:
        columns = repo.ENTRY_COLUMNS
        touched = [p.entry.id for p in planned if p.overrides.added or p.overrides.dropped]
        written = await repo.upsert_entries(
            connection,
            [repo.entry_record({c: getattr(p.entry, c) for c in columns}) for p in planned],
            [(p.entry.id, *h) for p in planned for h in p.history],
            [
                (p.entry.id, p.entry.organization_id, kind, audit._jsonable(payload))
                for p in planned
                for kind, payload in p.events
            ],
            touched,
            (self.principal.subject, self.principal.kind),
        )
        mine = [p for p in planned if p.entry.id in written]
        await repo.write_overrides(
            connection,
            [(p.entry.id, rid) for p in mine for rid in p.overrides.dropped],
            [o for p in mine for o in p.overrides.added.values()],
        )
        await repo.write_occurrences(
            connection,
            [p.entry.id for p in mine if not written[p.entry.id]],
            [row for p in mine for row in p.occurrences],
        )
        inserted = sum(1 for inserted in written.values() if inserted)
        return inserted, len(written) - inserted, len(planned) - len(written)


def needs_reapproval(entry: Entry, changes: dict[str, Any], overrides: Overrides) -> bool:
    """`entries.needs_reapproval`, or an occurrence moved (as `series.change_occurrence`
    sends a pending or approved entry back to `pending`)."""
    if entries.needs_reapproval(entry, changes):
        return True
    return bool(overrides.added) and entry.status in {Status.PENDING, Status.APPROVED}
