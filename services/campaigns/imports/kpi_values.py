"""The `kpi_values` import kind (see the package's docstring)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.imports.initiatives import outside
from services.campaigns.models import Kpi
from services.campaigns.repository import imports as repo
from services.campaigns.repository.base import flush, organization_chain, sees_organization
from services.campaigns.schemas.imports import KpiValueImportRow
from services.campaigns.schemas.kpis import ValueIn
from services.campaigns.service import kpis
from services.common import audit
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
from services.common.outbox import emit


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
                new: list[tuple[Row, Kpi, tuple[str, str]]] = []
                one_by_one: list[tuple[Row, Any]] = []
                for row, key in self.distinct(job, rows, outcome):
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
            raise outside("external_id", external_id) from exc
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
