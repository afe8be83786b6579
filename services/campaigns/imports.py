"""Bulk imports of the campaigns service: kinds `initiatives` and `kpi_values`.

Ministries keep initiatives and KPI figures in spreadsheets; each row goes through the
same use case as the API (`service.initiatives.create` / `update`,
`service.kpis.submit_value`): the schema's validation, the caller's permission and subtree,
references (axis, parent, participating organizations, the KPI applying to the
organization, the period matching the KPI's frequency), the parent's derived progress,
the outbox events. Rows upsert on (`external_source`, `external_id`), kept on the
initiative or value: a key imported before updates what the row names and what differs,
so a rerun of the same file changes nothing.

A KPI value imported before changes while it is `submitted` (a corrected figure, its
`kpi.value_submitted` event again) or `rejected` (submitted again); a verified value never
changes. Its KPI, organization and period are its identity and never change either.

Initiatives load set-based too (`InitiativesImport.load`): `initiatives.create`'s checks on
references looked up once per job, one statement inserting the batch's new initiatives and
their `initiative.created` events, each parent's progress derived once; a changed
initiative, a child of a row of the same batch and a code taken already go row by row.
KPI values load set-based (`KpiValuesImport.load`): `submit_value`'s checks run in Python
on what is looked up once per job or per batch, and the batch's new values are COPied into
a staging table and inserted, with their events and delivery jobs, by one statement; only
a changed value and a row citing documents take the use cases row by row.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.domain.states import initiative_move
from services.campaigns.models import Initiative, Kpi
from services.campaigns.repository import imports as repo
from services.campaigns.repository.base import flush, organization_chain, sees_organization
from services.campaigns.schemas.imports import InitiativeImportRow, KpiValueImportRow
from services.campaigns.schemas.initiatives import InitiativeCreate, InitiativeUpdate
from services.campaigns.schemas.kpis import ValueIn
from services.campaigns.service import initiatives, kpis
from services.campaigns.service.common import snapshot
from services.common import audit
from services.common.arabic import normalize
from services.common.auth import Principal
from services.common.errors import DomainError, Forbidden
from services.common.i18n import text
from services.common.imports.kinds import JobRun, Outcome, Row, register
from services.common.imports.rowwise import (
    RowRefused,
    RowwiseKind,
    Verdict,
    refusal_of,
    repeated,
    session_on,
    tally,
)
from services.common.outbox import emit

# the row fields that are not the update body's, or that an import never changes
_NOT_UPDATED = {"organization_id", "organization_code", "axis_code", "parent_code"}


def _outside(field: str, value: Any) -> RowRefused:
    return RowRefused(
        field,
        text(
            "السجل بهذا المعرّف لجهة خارج جهتك وما يتبعها",
            "The record of this key belongs to an organization outside your subtree",
        ),
        value,
    )


def _named(data: InitiativeImportRow) -> dict[str, Any]:
    """The update body's fields the row names (its codes standing for ids)."""
    named = set(data.model_fields_set) - _NOT_UPDATED
    if data.axis_code is not None:
        named.add("axis_id")
    if data.parent_code is not None:
        named.add("parent_id")
    return {name: getattr(data, name) for name in InitiativeUpdate.model_fields if name in named}


@register
class InitiativesImport(RowwiseKind):
    service = "campaigns"
    name = "initiatives"
    permission = "campaigns:write"
    schema = InitiativeImportRow
    batch_size = 200
    description = (
        "initiatives: the `POST /v1/initiatives` fields plus `external_id`, "
        "`external_source`; `organization_code`, `axis_code` and `parent_code` may stand for "
        "the ids."
    )

    async def _ids(
        self, session: AsyncSession, job: JobRun, data: InitiativeImportRow, wait: bool = False
    ) -> bool:
        """Sets the ids the row's codes stand for. A parent code the organization does not
        have (yet) refuses the row, or with `wait` returns True: the parent may be a row
        of the same batch."""
        if data.organization_code is not None:
            data.organization_id = self.organization_of(job, data.organization_code)
        if data.axis_code is not None:
            axes: dict[str, uuid.UUID | None] = job.memo.setdefault("axes", {})
            if data.axis_code not in axes:
                axes[data.axis_code] = await repo.axis_id_by_code(session, data.axis_code)
            if axes[data.axis_code] is None:
                raise RowRefused(
                    "axis_code",
                    text("لا يوجد محور بهذا الرمز", "No axis has this code"),
                    data.axis_code,
                )
            data.axis_id = axes[data.axis_code]
        if data.parent_code is not None:
            assert data.organization_id is not None
            # the parents found (an initiative's code and organization never change)
            parents: dict[Any, uuid.UUID] = job.memo.setdefault("parents", {})
            known = (data.organization_id, data.parent_code)
            # what the batch looked for in vain (`wait` only: its rows may insert it)
            absent: set[Any] = job.memo.setdefault("absent", set())
            if known not in parents and not (wait and known in absent):
                found = await repo.initiative_id_by_code(
                    session, data.organization_id, data.parent_code
                )
                if found is not None:
                    parents[known] = found
                else:
                    absent.add(known)
            data.parent_id = parents.get(known)
            if data.parent_id is None:
                if wait:
                    return True
                raise RowRefused(
                    "parent_code",
                    text(
                        "لا توجد مبادرة بهذا الرمز في الجهة",
                        "The organization has no initiative of this code",
                    ),
                    data.parent_code,
                )
        return False

    async def _references(self, session: AsyncSession, job: JobRun, data: Any) -> None:
        """`initiatives.check_references` for the row, each reference decided once per
        job (the organization and the parent as the importer sees them, the participants
        and the axis exist)."""
        decided: dict[Any, DomainError | None] = job.memo.setdefault("references", {})
        wanted: list[tuple[str, Any]] = [("organization_id", data.organization_id)]
        wanted += [
            ("participating_organization_ids", [org]) for org in data.participating_organization_ids
        ]
        wanted.append(("axis_id", data.axis_id))
        if data.parent_id is not None:
            wanted.append(("parent_id", data.parent_id))
        for name, value in wanted:
            key = (name, tuple(value) if isinstance(value, list) else value)
            if key not in decided:
                try:
                    await initiatives.check_references(session, job.principal, {name: value})
                    decided[key] = None
                except DomainError as exc:
                    decided[key] = exc
            if (error := decided[key]) is not None:
                raise error

    async def load(self, connection: Any, job: JobRun, rows: list[Row]) -> Outcome:
        """Set-based: a new initiative is checked by `initiatives.create`'s rules in Python
        on what is looked up once per job (codes, references), then the batch's new
        initiatives are COPied into a staging table and inserted with their
        `initiative.created` events and delivery jobs by one statement, and the progress
        of each parent they join is derived once. A row whose parent is a row of the same
        batch waits for it: the batch is inserted in waves (programmes, then their
        initiatives …). A key imported before whose row names what the initiative already
        holds writes nothing. Row by row through the use cases, as before: a changed
        initiative, one whose parent code the batch does not resolve, and one whose code
        its organization (or another row) has already."""
        outcome = Outcome()
        if not job.principal.can(self.permission):
            for row in rows:
                outcome.rejections.append(refusal_of(Forbidden(), row.line, dict(row.values)))
            return outcome
        seen: dict[tuple[str, str], int] = {}
        with audit.folded():
            async with session_on(connection, job) as session:
                await self.prepare(session, job, rows)
                job.memo["absent"] = set()
                stored = await self.stored(session, list({self.key(job, row) for row in rows}))
                new: list[tuple[Row, tuple[str, str]]] = []
                one_by_one: list[tuple[Row, Any]] = []
                waiting: list[tuple[Row, tuple[str, str]]] = []
                for row in rows:
                    key = self.key(job, row)
                    if key in seen:
                        outcome.rejections.append(repeated(row.line, key, seen[key]))
                        continue
                    seen[key] = row.line
                    data: InitiativeImportRow = row.data
                    found = stored.get(key)
                    if found is None:
                        await self._classify(session, job, row, key, new, waiting, outcome)
                        continue
                    try:
                        await self._ids(session, job, data)
                        if await self._same(session, job, found, data):
                            outcome.unchanged += 1
                        else:
                            one_by_one.append((row, found))
                    except RowRefused as refused:
                        outcome.rejections.append(refused.rejection(row.line))
                # in waves: the children of the rows just inserted are ready next
                while new:
                    later = {(r.data.organization_id, r.data.code) for r, _ in waiting}
                    await self._insert(session, connection, job, new, one_by_one, later, outcome)
                    new = []
                    still: list[tuple[Row, tuple[str, str]]] = []
                    for row, key in waiting:
                        await self._classify(session, job, row, key, new, still, outcome)
                    waiting = still
                one_by_one += [(row, None) for row, _ in waiting]
                for row, found in sorted(one_by_one, key=lambda item: item[0].line):
                    tally(outcome, await self._one(session, job, row, found))
        return outcome

    async def _classify(
        self,
        session: AsyncSession,
        job: JobRun,
        row: Row,
        key: tuple[str, str],
        ready: list[tuple[Row, tuple[str, str]]],
        waiting: list[tuple[Row, tuple[str, str]]],
        outcome: Outcome,
    ) -> None:
        """A new initiative through `initiatives.create`'s checks: ready to insert, refused,
        or waiting for its parent (a code its organization does not have yet)."""
        data: InitiativeImportRow = row.data
        try:
            if await self._ids(session, job, data, wait=True):
                waiting.append((row, key))
                return
            await self._references(session, job, data)
            if data.status not in ("proposed", "approved"):
                initiative_move("proposed", data.status)
        except RowRefused as refused:
            outcome.rejections.append(refused.rejection(row.line))
            return
        except DomainError as exc:
            outcome.rejections.append(refusal_of(exc, row.line, dict(row.values)))
            return
        ready.append((row, key))

    async def _same(
        self, session: AsyncSession, job: JobRun, stored: Initiative, data: InitiativeImportRow
    ) -> bool:
        """An initiative imported before that the row leaves as it is: the importer sees
        it, it stays in its organization, and every field the row names holds that value
        already (what `_update` would find unchanged); anything else goes to `_update`."""
        sees: dict[uuid.UUID, bool] = job.memo.setdefault("sees", {})
        if stored.organization_id not in sees:
            sees[stored.organization_id] = await sees_organization(
                session, job.principal, stored.organization_id
            )
        if not sees[stored.organization_id] or data.organization_id != stored.organization_id:
            return False
        for name, value in _named(data).items():
            if name == "participating_organization_ids":
                value = list(dict.fromkeys(value))
            if getattr(stored, name) != value:
                return False
        return True

    async def _insert(
        self,
        session: AsyncSession,
        connection: Any,
        job: JobRun,
        new: list[tuple[Row, tuple[str, str]]],
        one_by_one: list[tuple[Row, Any]],
        waiting: set[Any],
        outcome: Outcome,
    ) -> None:
        """The new initiatives in one statement, then each parent's derived progress. A
        code its organization has already (in the database, or on another row of the
        batch: `waiting`, or one left to the use cases) is left to the use cases, in the
        file's order: the row that comes later is refused as a single create is."""
        taken: set[Any] = await repo.taken_codes(
            connection, [(row.data.organization_id, row.data.code) for row, _ in new]
        )
        taken |= waiting
        taken |= {(r.data.organization_id, r.data.code) for r, found in one_by_one if not found}
        records: list[tuple[Any, ...]] = []
        joined: set[uuid.UUID] = set()  # the parents whose progress is derived again
        for row, key in new:
            data: InitiativeImportRow = row.data
            code = (data.organization_id, data.code)
            if code in taken:
                one_by_one.append((row, None))
                continue
            taken.add(code)
            values = data.model_dump(include=set(repo.INITIATIVE_CREATE_COLUMNS))
            values["participating_organization_ids"] = list(
                dict.fromkeys(data.participating_organization_ids)
            )
            records.append(
                (
                    uuid.uuid4(),
                    *(values[name] for name in repo.INITIATIVE_CREATE_COLUMNS),
                    normalize(data.title_ar),
                    job.principal.subject,
                    *key,
                )
            )
            if data.parent_id is not None:
                joined.add(data.parent_id)
        if not records:
            return
        inserted = await repo.insert_initiatives(connection, records)
        outcome.imported += len(inserted)
        outcome.unchanged += len(records) - len(inserted)  # a key another import wrote
        # the parents the next wave's rows may name
        parents: dict[Any, uuid.UUID] = job.memo.setdefault("parents", {})
        for initiative_id, organization_id, inserted_code in inserted:
            parents[(organization_id, inserted_code)] = initiative_id
            job.memo["absent"].discard((organization_id, inserted_code))
        for parent_id in sorted(joined):
            await initiatives.recompute(session, parent_id)

    async def stored(
        self, session: AsyncSession, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], Initiative]:
        return await repo.initiatives_by_key(session, keys)

    async def upsert(
        self, session: AsyncSession, job: JobRun, row: Row, stored: Initiative | None
    ) -> Verdict:
        data: InitiativeImportRow = row.data
        principal = job.principal
        await self._ids(session, job, data)
        source, external_id = self.key(job, row)
        if stored is None:
            body = InitiativeCreate.model_validate(
                data.model_dump(include=set(InitiativeCreate.model_fields))
            )
            initiative = await initiatives.create(session, principal, body)
            initiative.external_source, initiative.external_id = source, external_id
            await flush(session)
            return "imported"
        return await self._update(session, principal, stored, data)

    async def _update(
        self,
        session: AsyncSession,
        principal: Principal,
        stored: Initiative,
        data: InitiativeImportRow,
    ) -> Verdict:
        try:
            initiative = await initiatives.get(session, principal, stored.id, lock=True)
        except DomainError as exc:
            raise _outside("external_id", data.external_id) from exc
        if data.organization_id != initiative.organization_id:
            raise RowRefused(
                "organization_code" if data.organization_code else "organization_id",
                text(
                    "المبادرة المستوردة من قبل تبقى في جهتها",
                    "An initiative imported before stays in its organization",
                ),
                data.organization_code or data.organization_id,
            )
        fields = _named(data)
        before = snapshot(initiative, initiatives.FIELDS)
        initiative = await initiatives.update(
            session, principal, initiative, InitiativeUpdate.model_validate(fields)
        )
        return "updated" if snapshot(initiative, initiatives.FIELDS) != before else "unchanged"


@register
class KpiValuesImport(RowwiseKind):
    service = "campaigns"
    name = "kpi_values"
    permission = "campaigns:write"
    schema = KpiValueImportRow
    batch_size = 500
    description = (
        "KPI values: the `POST /v1/kpis/{kpi_id}/values` fields plus `kpi_id` (or "
        "`kpi_code`), `external_id`, `external_source`; `organization_code` may stand for "
        "`organization_id`."
    )

    async def _kpi_id(self, session: AsyncSession, job: JobRun, data: KpiValueImportRow) -> Any:
        if data.kpi_id is not None:
            return data.kpi_id
        assert data.organization_id is not None and data.kpi_code is not None
        key = ("kpi", data.organization_id, data.kpi_code)
        if key not in job.memo:
            chain = await organization_chain(session, data.organization_id)
            job.memo[key] = await repo.kpi_id_by_code(session, chain, data.kpi_code)
        if job.memo[key] is None:
            raise RowRefused(
                "kpi_code",
                text(
                    "لا يوجد مؤشر بهذا الرمز للجهة أو الجهات فوقها",
                    "No KPI of this code belongs to the organization or one above it",
                ),
                data.kpi_code,
            )
        return job.memo[key]

    async def _kpi(self, session: AsyncSession, job: JobRun, data: KpiValueImportRow) -> Kpi:
        """The row's organization and KPI (its id, or its code) as the importer sees them;
        each looked up once per job."""
        if data.organization_code is not None:
            data.organization_id = self.organization_of(job, data.organization_code)
        kpi_id = await self._kpi_id(session, job, data)
        # the KPI as the importer sees it, read once per job (its definition, not its values)
        seen: dict[Any, Any] = job.memo.setdefault("kpis", {})
        if kpi_id not in seen:
            try:
                seen[kpi_id] = await kpis.get(session, principal=job.principal, kpi_id=kpi_id)
            except DomainError as exc:
                seen[kpi_id] = exc
        if isinstance(seen[kpi_id], DomainError):
            raise seen[kpi_id]
        kpi: Kpi = seen[kpi_id]
        return kpi

    async def _within(
        self, session: AsyncSession, job: JobRun, kpi: Kpi, org_id: uuid.UUID
    ) -> None:
        """`kpis.within_kpi` (the organization is the importer's, the KPI applies to it),
        decided once per job for each KPI and organization."""
        decided: dict[Any, DomainError | None] = job.memo.setdefault("within", {})
        key = (kpi.id, org_id)
        if key not in decided:
            try:
                await kpis.within_kpi(session, job.principal, kpi, org_id, "organization_id")
                decided[key] = None
            except DomainError as exc:
                decided[key] = exc
        if (error := decided[key]) is not None:
            raise error

    async def _sees(self, session: AsyncSession, job: JobRun, org_id: uuid.UUID) -> bool:
        seen: dict[uuid.UUID, bool] = job.memo.setdefault("sees", {})
        if org_id not in seen:
            seen[org_id] = await sees_organization(session, job.principal, org_id)
        return seen[org_id]

    async def load(self, connection: Any, job: JobRun, rows: list[Row]) -> Outcome:
        """Set-based: every row is checked by `submit_value`'s rules in Python, with what
        they read from the database looked up once per job (organization and KPI codes, the
        KPI, whether it applies to the organization) or once per batch (the values the keys
        name, locked; which KPI, organization and period already have a live value). The
        new values are then COPied into a staging table and inserted by one statement with
        their `kpi.value_submitted` events and delivery jobs; a rerun's unchanged rows
        write nothing. A changed value and a row citing documents (`attachment_ids`) go
        through the use cases row by row (`_update`, `kpis.submit_value`), as before."""
        outcome = Outcome()
        if not job.principal.can(self.permission):
            for row in rows:
                outcome.rejections.append(refusal_of(Forbidden(), row.line, dict(row.values)))
            return outcome
        seen: dict[tuple[str, str], int] = {}
        with audit.folded():
            async with session_on(connection, job) as session:
                await self.prepare(session, job, rows)
                stored = await repo.stored_values(
                    connection, list({self.key(job, row) for row in rows})
                )
                new: list[tuple[Row, Kpi, tuple[str, str]]] = []
                one_by_one: list[tuple[Row, Any]] = []
                for row in rows:
                    key = self.key(job, row)
                    if key in seen:
                        outcome.rejections.append(repeated(row.line, key, seen[key]))
                        continue
                    seen[key] = row.line
                    data: KpiValueImportRow = row.data
                    try:
                        kpi = await self._kpi(session, job, data)
                        assert data.organization_id is not None
                        found = stored.get(key)
                        if found is not None:
                            if await self._same(session, job, kpi, data, found):
                                outcome.unchanged += 1
                            else:
                                one_by_one.append((row, found))
                            continue
                        kpis.submittable(kpi)
                        kpis.period_matches(kpi, data.period, "period")
                        await self._within(session, job, kpi, data.organization_id)
                    except RowRefused as refused:
                        outcome.rejections.append(refused.rejection(row.line))
                        continue
                    except DomainError as exc:
                        outcome.rejections.append(refusal_of(exc, row.line, dict(row.values)))
                        continue
                    if data.attachment_ids:
                        one_by_one.append((row, None))
                    else:
                        new.append((row, kpi, key))
                await self._insert(connection, job, new, outcome)
                for row, found in one_by_one:
                    tally(outcome, await self._one(session, job, row, found))
        return outcome

    async def _same(
        self, session: AsyncSession, job: JobRun, kpi: Kpi, data: KpiValueImportRow, found: Any
    ) -> bool:
        """A value imported before that the row leaves as it is (what `_update` checks
        first: the importer sees it, its KPI, organization and period are the row's, and
        so are its figures); anything else goes to `_update`, which refuses or changes."""
        return (
            await self._sees(session, job, found["organization_id"])
            and (found["kpi_id"], found["organization_id"], found["period"])
            == (kpi.id, data.organization_id, data.period)
            and (found["value"], found["evidence_url"], found["comment"])
            == (data.value, data.evidence_url, data.comment)
        )

    @staticmethod
    def _identity(row: Row, kpi: Kpi) -> tuple[uuid.UUID, uuid.UUID, str]:
        """What one live value is allowed per: its KPI, organization and period."""
        data: KpiValueImportRow = row.data
        assert data.organization_id is not None
        return (kpi.id, data.organization_id, data.period)

    async def _insert(
        self,
        connection: Any,
        job: JobRun,
        new: list[tuple[Row, Kpi, tuple[str, str]]],
        outcome: Outcome,
    ) -> None:
        """The new values without a live value for their KPI, organization and period
        (in the database, or earlier in the batch), in one statement."""
        live = await repo.live_values(connection, [self._identity(row, kpi) for row, kpi, _ in new])
        records: list[tuple[Any, ...]] = []
        for row, kpi, key in new:
            data: KpiValueImportRow = row.data
            identity = self._identity(row, kpi)
            if identity in live:
                outcome.rejections.append(
                    refusal_of(kpis.value_exists(), row.line, dict(row.values))
                )
                continue
            live.add(identity)
            records.append(
                (
                    uuid.uuid4(),
                    kpi.id,
                    data.organization_id,
                    data.period,
                    data.value,
                    data.evidence_url,
                    data.comment,
                    job.principal.subject,
                    *key,
                )
            )
        if records:
            inserted = await repo.insert_values(connection, records)
            outcome.imported += inserted
            outcome.unchanged += len(records) - inserted  # a key another import wrote

    async def upsert(self, session: AsyncSession, job: JobRun, row: Row, stored: Any) -> Verdict:
        """A row `load` leaves to the use cases: a new value citing documents (`stored` is
        None), or a value imported before whose row differs (`stored`: its record)."""
        data: KpiValueImportRow = row.data
        principal = job.principal
        kpi = await self._kpi(session, job, data)
        source, external_id = self.key(job, row)
        body = ValueIn.model_validate(data.model_dump(include=set(ValueIn.model_fields)))
        if stored is None:
            value = await kpis.submit_value(session, principal, kpi, body)
            value.external_source, value.external_id = source, external_id
            await flush(session)
            return "imported"
        return await self._update(session, principal, stored["id"], kpi.id, body, data.external_id)

    async def _update(
        self,
        session: AsyncSession,
        principal: Principal,
        value_id: uuid.UUID,
        kpi_id: uuid.UUID,
        body: ValueIn,
        external_id: str,
    ) -> Verdict:
        try:
            value = await kpis.get_value(session, principal, value_id, lock=True)
        except DomainError as exc:
            raise _outside("external_id", external_id) from exc
        same_identity = (value.kpi_id, value.organization_id, value.period) == (
            kpi_id,
            body.organization_id,
            body.period,
        )
        if not same_identity:
            raise RowRefused(
                "period",
                text(
                    "القيمة المستوردة من قبل تبقى لمؤشرها وجهتها وفترتها",
                    "A value imported before keeps its KPI, organization and period",
                ),
                body.period,
            )
        figures = (body.value, body.evidence_url, body.comment)
        if (value.value, value.evidence_url, value.comment) == figures:
            return "unchanged"
        if value.status == "verified":
            raise RowRefused(
                "value",
                text("القيمة معتمدة ولا تتغير", "The value is verified and does not change"),
                body.value,
            )
        value.value, value.evidence_url, value.comment = figures
        if value.status == "rejected":  # submitted again, as a new submission would be
            value.status = "submitted"
            value.decided_by = value.decided_at = value.decision_comment = None
        value.submitted_by = principal.subject
        await flush(session)
        await session.refresh(value)
        await emit(
            session,
            "kpi.value_submitted",
            aggregate_type="kpi_value",
            aggregate_id=value.id,
            organization_id=value.organization_id,
            payload=kpis.value_payload(value),
        )
        return "updated"
