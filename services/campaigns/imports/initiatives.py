"""The `initiatives` import kind (see the package's docstring)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.domain.states import initiative_move
from services.campaigns.models import Initiative
from services.campaigns.repository import imports as repo
from services.campaigns.repository.base import flush, sees_organization
from services.campaigns.schemas.imports import InitiativeImportRow
from services.campaigns.schemas.initiatives import InitiativeCreate, InitiativeUpdate
from services.campaigns.service import initiatives
from services.campaigns.service.common import snapshot
from services.common import audit
from services.common.arabic import normalize
from services.common.auth import Principal
from services.common.errors import DomainError
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

# the row fields that are not the update body's, or that an import never changes
_NOT_UPDATED = {"organization_id", "organization_code", "axis_code", "parent_code"}


# a change of code or parent goes through `initiatives.update` row by row (a code unique
# in its organization, a parent that is not below the initiative, both in file order)
_ROWWISE = {"code", "parent_id"}
# the columns a set-based change writes (`repo.CHANGE_COLUMNS` but the id and title search)
_CHANGED = (*repo.CHANGE_COLUMNS[1:3], *repo.CHANGE_COLUMNS[4:])


def outside(field: str, value: Any) -> RowRefused:
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

    async def _references(
        self, session: AsyncSession, job: JobRun, data: Any, names: set[str] | None = None
    ) -> None:
        """`initiatives.check_references` for the row (for `names` only when given: what
        an update names), each reference decided once per job (the organization and the
        parent as the importer sees them, the participants and the axis exist)."""
        decided: dict[Any, DomainError | None] = job.memo.setdefault("references", {})
        wanted: list[tuple[str, Any]] = [("organization_id", data.organization_id)]
        wanted += [
            ("participating_organization_ids", [org]) for org in data.participating_organization_ids
        ]
        wanted.append(("axis_id", data.axis_id))
        if data.parent_id is not None:
            wanted.append(("parent_id", data.parent_id))
        if names is not None:
            wanted = [(name, value) for name, value in wanted if name in names]
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
        holds writes nothing; one whose row changes it is checked by
        `initiatives.update`'s rules in Python and the batch's changed initiatives are
        updated by one statement with their `initiative.status_changed` events (each
        parent's progress derived once). Row by row through the use cases, as before: a
        change of code or parent, a new initiative whose parent code the batch does not
        resolve, and one whose code its organization (or another row) has already."""
        forbidden = self.refused_all(job, rows)
        if forbidden is not None:
            return forbidden
        outcome = Outcome()
        with audit.folded():
            async with session_on(connection, job) as session:
                await self.prepare(session, job, rows)
                job.memo["absent"] = set()
                stored = await self.stored(session, list({self.key(job, row) for row in rows}))
                new: list[tuple[Row, tuple[str, str]]] = []
                one_by_one: list[tuple[Row, Any]] = []
                waiting: list[tuple[Row, tuple[str, str]]] = []
                changes: list[tuple[Initiative, dict[str, Any]]] = []
                for row, key in self.distinct(job, rows, outcome):
                    data: InitiativeImportRow = row.data
                    found = stored.get(key)
                    if found is None:
                        await self._classify(session, job, row, key, new, waiting, outcome)
                        continue
                    try:
                        await self._ids(session, job, data)
                        change = await self._change(session, job, found, data)
                    except RowRefused as refused:
                        outcome.rejections.append(refused.rejection(row.line))
                        continue
                    except DomainError as exc:
                        outcome.rejections.append(refusal_of(exc, row.line, dict(row.values)))
                        continue
                    if change is None:
                        outcome.unchanged += 1
                    elif _ROWWISE & change.keys():
                        one_by_one.append((row, found))
                    else:
                        changes.append((found, change))
                # in waves: the children of the rows just inserted are ready next
                while new:
                    later = {(r.data.organization_id, r.data.code) for r, _ in waiting}
                    await self._insert(session, connection, job, new, one_by_one, later, outcome)
                    new = []
                    still: list[tuple[Row, tuple[str, str]]] = []
                    for row, key in waiting:
                        await self._classify(session, job, row, key, new, still, outcome)
                    waiting = still
                await self._update_all(session, connection, changes, outcome)
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

    async def _change(
        self, session: AsyncSession, job: JobRun, stored: Initiative, data: InitiativeImportRow
    ) -> dict[str, Any] | None:
        """What the row changes of an initiative imported before (None: nothing), checked
        by `initiatives.update`'s rules, or the row is refused: the importer sees it, it
        stays in its organization, the references the row names exist and are visible,
        the dates stay in order, the status moves along the transition table."""
        sees: dict[uuid.UUID, bool] = job.memo.setdefault("sees", {})
        if stored.organization_id not in sees:
            sees[stored.organization_id] = await sees_organization(
                session, job.principal, stored.organization_id
            )
        if not sees[stored.organization_id]:
            raise outside("external_id", data.external_id)
        _stays_in_organization(data, stored.organization_id)
        named = _named(data)
        changed = initiatives.changed_fields(stored, named)
        if not changed:
            return None
        await self._references(session, job, data, set(named))
        initiatives.check_change(stored, named)
        return changed

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

    async def _update_all(
        self,
        session: AsyncSession,
        connection: Any,
        changes: list[tuple[Initiative, dict[str, Any]]],
        outcome: Outcome,
    ) -> None:
        """The batch's changed initiatives in one statement (`initiatives.update`'s
        writes: the fields, the title search, an `initiative.status_changed` event when
        the status moves), then the progress of each parent whose child's weight or status
        changed, derived once."""
        if not changes:
            return
        records: list[tuple[Any, ...]] = []
        parents: set[uuid.UUID] = set()
        for stored, changed in changes:
            after = {name: changed.get(name, getattr(stored, name)) for name in _CHANGED}
            after["title_search"] = (
                normalize(after["title_ar"]) if "title_ar" in changed else stored.title_search
            )
            from_status = stored.status if "status" in changed else None
            records.append(
                (stored.id, *(after[name] for name in repo.CHANGE_COLUMNS[1:]), from_status)
            )
            if stored.parent_id is not None and {"weight", "status"} & changed.keys():
                parents.add(stored.parent_id)
        outcome.updated += await repo.update_initiatives(connection, records)
        # the batch's initiatives as the session holds them are stale now
        session.expunge_all()
        for parent_id in sorted(parents):
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
            raise outside("external_id", data.external_id) from exc
        _stays_in_organization(data, initiative.organization_id)
        fields = _named(data)
        before = snapshot(initiative, initiatives.FIELDS)
        initiative = await initiatives.update(
            session, principal, initiative, InitiativeUpdate.model_validate(fields)
        )
        return "updated" if snapshot(initiative, initiatives.FIELDS) != before else "unchanged"


def _stays_in_organization(data: InitiativeImportRow, organization_id: uuid.UUID) -> None:
    """An initiative imported before is not moved to another organization by a later row."""
    if data.organization_id != organization_id:
        raise RowRefused(
            "organization_code" if data.organization_code else "organization_id",
            text(
                "المبادرة المستوردة من قبل تبقى في جهتها",
                "An initiative imported before stays in its organization",
            ),
            data.organization_code or data.organization_id,
        )
