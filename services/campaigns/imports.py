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
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Initiative, KpiValue
from services.campaigns.repository import imports as repo
from services.campaigns.repository.base import flush, organization_chain
from services.campaigns.schemas.imports import InitiativeImportRow, KpiValueImportRow
from services.campaigns.schemas.initiatives import InitiativeCreate, InitiativeUpdate
from services.campaigns.schemas.kpis import ValueIn
from services.campaigns.service import initiatives, kpis
from services.campaigns.service.common import snapshot
from services.common.auth import Principal
from services.common.errors import DomainError
from services.common.i18n import text
from services.common.imports.kinds import JobRun, Row, register
from services.common.imports.rowwise import RowRefused, RowwiseKind, Verdict
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

    async def _ids(self, session: AsyncSession, job: JobRun, data: InitiativeImportRow) -> None:
        """Sets the ids the row's codes stand for."""
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
            data.parent_id = await repo.initiative_id_by_code(
                session, data.organization_id, data.parent_code
            )
            if data.parent_id is None:
                raise RowRefused(
                    "parent_code",
                    text(
                        "لا توجد مبادرة بهذا الرمز في الجهة",
                        "The organization has no initiative of this code",
                    ),
                    data.parent_code,
                )

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
        named = set(data.model_fields_set) - _NOT_UPDATED
        if data.axis_code is not None:
            named.add("axis_id")
        if data.parent_code is not None:
            named.add("parent_id")
        fields = {
            name: getattr(data, name) for name in InitiativeUpdate.model_fields if name in named
        }
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

    async def stored(
        self, session: AsyncSession, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], KpiValue]:
        return await repo.values_by_key(session, keys)

    async def upsert(
        self, session: AsyncSession, job: JobRun, row: Row, stored: KpiValue | None
    ) -> Verdict:
        data: KpiValueImportRow = row.data
        principal = job.principal
        if data.organization_code is not None:
            data.organization_id = self.organization_of(job, data.organization_code)
        kpi_id = await self._kpi_id(session, job, data)
        # the KPI as the importer sees it, read once per job (its definition, not its values)
        seen: dict[Any, Any] = job.memo.setdefault("kpis", {})
        if kpi_id not in seen:
            try:
                seen[kpi_id] = await kpis.get(session, principal, kpi_id)
            except DomainError as exc:
                seen[kpi_id] = exc
        if isinstance(seen[kpi_id], DomainError):
            raise seen[kpi_id]
        kpi = seen[kpi_id]
        source, external_id = self.key(job, row)
        body = ValueIn.model_validate(data.model_dump(include=set(ValueIn.model_fields)))
        if stored is None:
            value = await kpis.submit_value(session, principal, kpi, body)
            value.external_source, value.external_id = source, external_id
            await flush(session)
            return "imported"
        return await self._update(session, principal, stored, kpi.id, body, data.external_id)

    async def _update(
        self,
        session: AsyncSession,
        principal: Principal,
        stored: KpiValue,
        kpi_id: uuid.UUID,
        body: ValueIn,
        external_id: str,
    ) -> Verdict:
        try:
            value = await kpis.get_value(session, principal, stored.id, lock=True)
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
