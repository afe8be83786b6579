"""The `kpi_values` import kind (see the package's docstring)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.imports.initiatives import outside
from services.campaigns.models import Kpi
from services.campaigns.repository import imports as repo
from services.campaigns.repository import rollups
from services.campaigns.repository.base import flush, organization_chain, sees_organization
from services.campaigns.schemas.imports import KpiValueImportRow
from services.campaigns.schemas.kpis import ValueIn
from services.campaigns.service import kpis
from services.common import audit
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
        """Set-based: every row is checked by `submit_value`'s rules (a new value) or by
        the rules of a corrected one (`_changed`) in Python, with what they read from the
        database looked up once per job (organization and KPI codes, the KPI, whether it
        applies to the organization) or once per batch (the values the keys name, locked;
        which KPI, organization and period already have a live value). The changed values
        are then COPied into a staging table and updated by one statement, the new ones
        inserted by another, each with their `kpi.value_submitted` events and delivery
        jobs; the roll-up of the changed values' KPIs and organizations is rewritten. A
        rerun's unchanged rows write nothing. Only a new row citing documents
        (`attachment_ids`) goes through `kpis.submit_value` row by row."""
        forbidden = self.refused_all(job, rows)
        if forbidden is not None:
            return forbidden
        outcome = Outcome()
        with audit.folded():
            async with session_on(connection, job) as session:
                await self.prepare(session, job, rows)
                stored = await repo.stored_values(
                    connection, list({self.key(job, row) for row in rows})
                )
                planned: list[tuple[Row, Kpi, tuple[str, str], Any]] = []
                one_by_one: list[Row] = []
                for row, key in self.distinct(job, rows, outcome):
                    data: KpiValueImportRow = row.data
                    try:
                        kpi = await self._kpi(session, job, data)
                        assert data.organization_id is not None
                        found = stored.get(key)
                        if found is not None:
                            if await self._changed(session, job, kpi, data, found):
                                planned.append((row, kpi, key, found))
                            else:
                                outcome.unchanged += 1
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
                        one_by_one.append(row)
                    else:
                        planned.append((row, kpi, key, None))
                await self._write(session, connection, job, planned, outcome)
                for row in one_by_one:
                    tally(outcome, await self._one(session, job, row, None))
        return outcome

    async def _changed(
        self, session: AsyncSession, job: JobRun, kpi: Kpi, data: KpiValueImportRow, found: Any
    ) -> bool:
        """Whether a value imported before changes with the row (False: the row leaves it
        as it is), or the row is refused (`RowRefused`): the importer must see the value's
        organization, its KPI, organization and period are its identity and never change,
        and a verified value never changes. A change is the row's figures (value, evidence,
        comment) submitted by the importer: a submitted value stays submitted (a corrected
        figure), a rejected one is submitted again (`UPDATE_VALUES`)."""
        if not await self._sees(session, job, found["organization_id"]):
            raise outside("external_id", data.external_id)
        if (found["kpi_id"], found["organization_id"], found["period"]) != (
            kpi.id,
            data.organization_id,
            data.period,
        ):
            raise RowRefused(
                "period",
                text(
                    "القيمة المستوردة من قبل تبقى لمؤشرها وجهتها وفترتها",
                    "A value imported before keeps its KPI, organization and period",
                ),
                data.period,
            )
        figures = (data.value, data.evidence_url, data.comment)
        if (found["value"], found["evidence_url"], found["comment"]) == figures:
            return False
        if found["status"] == "verified":
            raise RowRefused(
                "value",
                text("القيمة معتمدة ولا تتغير", "The value is verified and does not change"),
                data.value,
            )
        return True

    @staticmethod
    def _identity(row: Row, kpi: Kpi) -> tuple[uuid.UUID, uuid.UUID, str]:
        """What one live value is allowed per: its KPI, organization and period."""
        data: KpiValueImportRow = row.data
        assert data.organization_id is not None
        return (kpi.id, data.organization_id, data.period)

    async def _write(
        self,
        session: AsyncSession,
        connection: Any,
        job: JobRun,
        planned: list[tuple[Row, Kpi, tuple[str, str], Any]],
        outcome: Outcome,
    ) -> None:
        """The batch's changed values in one statement and its new ones in another. A new
        value, or a rejected one submitted again, needs its KPI, organization and period
        free of a live value (in the database, or earlier in the batch)."""
        live = await repo.live_values(
            connection,
            [
                self._identity(row, kpi)
                for row, kpi, _, found in planned
                if found is None or found["status"] == "rejected"
            ],
        )
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        touched: set[tuple[uuid.UUID, uuid.UUID]] = set()
        for row, kpi, key, found in planned:
            data: KpiValueImportRow = row.data
            identity = self._identity(row, kpi)
            live_now = found is not None and found["status"] != "rejected"
            if not live_now:
                if identity in live:
                    outcome.rejections.append(
                        refusal_of(kpis.value_exists(), row.line, dict(row.values))
                    )
                    continue
                live.add(identity)
            record = (
                uuid.uuid4() if found is None else found["id"],
                kpi.id,
                data.organization_id,
                data.period,
                data.value,
                data.evidence_url,
                data.comment,
                job.principal.subject,
                *key,
            )
            if found is None:
                inserts.append(record)
            else:
                updates.append(record)
                touched.add((kpi.id, identity[1]))
        if updates:
            outcome.updated += await repo.update_values(connection, updates)
            # only verified values roll up, and an import never writes one; rewritten all
            # the same for the KPIs and organizations the batch changed, as every write of
            # values does
            await rollups.refresh(session, {k for k, _ in touched}, {org for _, org in touched})
        if inserts:
            inserted = await repo.insert_values(connection, inserts)
            outcome.imported += inserted
            outcome.unchanged += len(inserts) - inserted  # a key another import wrote

    async def upsert(self, session: AsyncSession, job: JobRun, row: Row, stored: Any) -> Verdict:
        """A row `load` leaves to the use case: a new value citing documents."""
        data: KpiValueImportRow = row.data
        kpi = await self._kpi(session, job, data)
        source, external_id = self.key(job, row)
        body = ValueIn.model_validate(data.model_dump(include=set(ValueIn.model_fields)))
        value = await kpis.submit_value(session, job.principal, kpi, body)
        value.external_source, value.external_id = source, external_id
        await flush(session)
        return "imported"
