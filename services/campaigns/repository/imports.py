"""SQL of the campaigns' imports: rows by their external key, ids by their codes, and the
set-based load of KPI values (COPY into a staging table, one statement per batch for the
new values and one for the changed ones)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.models import Axis, Initiative, Kpi, KpiValue
from services.campaigns.schemas.initiatives import InitiativeCreate
from services.common.imports.staging import column_type, create_stage, delivery_ctes, stage


async def initiatives_by_key(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Initiative]:
    """The initiatives imported under these keys, locked for the batch (in id order)."""
    if not keys:
        return {}
    found = await session.scalars(
        select(Initiative)
        .where(
            Initiative.external_id.is_not(None),
            tuple_(Initiative.external_source, Initiative.external_id).in_(list(keys)),
        )
        .order_by(Initiative.id)
        .with_for_update()
    )
    return {(i.external_source or "", i.external_id or ""): i for i in found}


async def values_by_key(
    session: AsyncSession, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], KpiValue]:
    """The KPI values imported under these keys, locked for the batch (in id order)."""
    if not keys:
        return {}
    found = await session.scalars(
        select(KpiValue)
        .where(
            KpiValue.external_id.is_not(None),
            tuple_(KpiValue.external_source, KpiValue.external_id).in_(list(keys)),
        )
        .order_by(KpiValue.id)
        .with_for_update()
    )
    return {(v.external_source or "", v.external_id or ""): v for v in found}


async def axis_id_by_code(session: AsyncSession, code: str) -> uuid.UUID | None:
    return await session.scalar(select(Axis.id).where(Axis.code == code))


async def initiative_id_by_code(
    session: AsyncSession, organization_id: uuid.UUID, code: str
) -> uuid.UUID | None:
    return await session.scalar(
        select(Initiative.id).where(
            Initiative.organization_id == organization_id, Initiative.code == code
        )
    )


async def kpi_id_by_code(
    session: AsyncSession, chain: Sequence[uuid.UUID], code: str
) -> uuid.UUID | None:
    """The KPI of that code owned by the first organization of `chain` (nearest first)
    that has one."""
    rows = await session.execute(
        select(Kpi.organization_id, Kpi.id).where(
            Kpi.code == code, Kpi.organization_id.in_(list(chain))
        )
    )
    owners = {org: kpi_id for org, kpi_id in rows.all()}
    return next((owners[org] for org in chain if org in owners), None)


# --- KPI values, set-based (asyncpg, on the import's connection) -----------------------

_VALUE = cast(Table, KpiValue.__table__)
VALUE_STAGE = "campaign_kpi_value_import_stage"
VALUE_COLUMNS = (
    "id",
    "kpi_id",
    "organization_id",
    "period",
    "value",
    "evidence_url",
    "comment",
    "submitted_by",
    "external_source",
    "external_id",
)
CREATE_VALUE_STAGE = create_stage(
    VALUE_STAGE, [(name, column_type(_VALUE, name)) for name in VALUE_COLUMNS]
)
_LISTED = ", ".join(VALUE_COLUMNS)


def _value_events(written: str) -> str:
    """The CTEs that follow `written` (a CTE returning the values' rows): each value's
    `kpi.value_submitted` event (the payload of `service.kpis.value_payload`) and the
    event's delivery job."""
    return f""", events AS (
    INSERT INTO common_outbox (id, event_type, aggregate_type, aggregate_id, organization_id,
                               payload)
    SELECT gen_random_uuid(), 'kpi.value_submitted', 'kpi_value', id, organization_id,
           jsonb_build_object('kpi_value_id', id::text, 'kpi_id', kpi_id::text,
                              'organization_id', organization_id::text, 'period', period,
                              'value', value::text, 'status', status)
    FROM {written}
    RETURNING id
){delivery_ctes("events")}"""  # noqa: S608


# the new values, submitted, each with its `kpi.value_submitted` event (the payload of
# `service.kpis.value_payload`) and the event's delivery job
INSERT_VALUES = f"""
WITH inserted AS (
    INSERT INTO campaign_kpi_value ({_LISTED}, status)
    SELECT {_LISTED}, 'submitted' FROM {VALUE_STAGE}
    ON CONFLICT (external_source, external_id) WHERE external_id IS NOT NULL DO NOTHING
    RETURNING id, kpi_id, organization_id, period, value, status
){_value_events("inserted")}
SELECT count(*) FROM inserted
"""  # noqa: S608
# the changed values (staged as the new ones are): the row's figures, submitted by the
# importer; a rejected value is submitted again (its decision cleared); a verified one is
# never written (`status <> 'verified'`, as the kind refuses it). Each with its
# `kpi.value_submitted` event and the event's delivery job.
UPDATE_VALUES = f"""
WITH updated AS (
    UPDATE campaign_kpi_value AS v
    SET value = s.value, evidence_url = s.evidence_url, comment = s.comment,
        submitted_by = s.submitted_by, status = 'submitted',
        decided_by = CASE WHEN v.status = 'rejected' THEN NULL ELSE v.decided_by END,
        decided_at = CASE WHEN v.status = 'rejected' THEN NULL ELSE v.decided_at END,
        decision_comment = CASE WHEN v.status = 'rejected' THEN NULL
                                ELSE v.decision_comment END,
        updated_at = now()
    FROM {VALUE_STAGE} AS s
    WHERE v.id = s.id AND v.status <> 'verified'
    RETURNING v.id, v.kpi_id, v.organization_id, v.period, v.value, v.status
){_value_events("updated")}
SELECT count(*) FROM updated
"""  # noqa: S608
STORED_VALUES = """
SELECT v.external_source, v.external_id, v.id, v.kpi_id, v.organization_id, v.period,
       v.value, v.evidence_url, v.comment, v.status
FROM campaign_kpi_value AS v
JOIN unnest($1::text[], $2::text[]) AS k(source, external_id)
  ON v.external_source = k.source AND v.external_id = k.external_id
WHERE v.external_id IS NOT NULL
ORDER BY v.id
FOR UPDATE OF v
"""
LIVE_VALUES = """
SELECT v.kpi_id, v.organization_id, v.period FROM campaign_kpi_value AS v
JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS k(kpi_id, organization_id, period)
  ON v.kpi_id = k.kpi_id AND v.organization_id = k.organization_id AND v.period = k.period
WHERE v.status <> 'rejected'
"""


async def stored_values(connection: Any, keys: Sequence[tuple[str, str]]) -> dict[Any, Any]:
    """The values imported under these keys, locked for the batch (in id order)."""
    if not keys:
        return {}
    rows = await connection.fetch(STORED_VALUES, [k[0] for k in keys], [k[1] for k in keys])
    return {(row["external_source"], row["external_id"]): row for row in rows}


async def live_values(
    connection: Any, wanted: Sequence[tuple[uuid.UUID, uuid.UUID, str]]
) -> set[tuple[uuid.UUID, uuid.UUID, str]]:
    """Which (KPI, organization, period) already have a submitted or verified value."""
    if not wanted:
        return set()
    rows = await connection.fetch(
        LIVE_VALUES, [w[0] for w in wanted], [w[1] for w in wanted], [w[2] for w in wanted]
    )
    return {(row["kpi_id"], row["organization_id"], row["period"]) for row in rows}


async def insert_values(connection: Any, records: Sequence[tuple[Any, ...]]) -> int:
    """Stages the new values (`VALUE_COLUMNS`) and inserts them; how many were inserted."""
    await stage(connection, VALUE_STAGE, CREATE_VALUE_STAGE, VALUE_COLUMNS, records)
    inserted: int = await connection.fetchval(INSERT_VALUES)
    return inserted


async def update_values(connection: Any, records: Sequence[tuple[Any, ...]]) -> int:
    """Stages the changed values (`VALUE_COLUMNS`, `id` the stored value's) and updates
    them; how many were updated."""
    await stage(connection, VALUE_STAGE, CREATE_VALUE_STAGE, VALUE_COLUMNS, records)
    updated: int = await connection.fetchval(UPDATE_VALUES)
    return updated


# --- initiatives, set-based ----------------------------------------------------------

_INITIATIVE = cast(Table, Initiative.__table__)
INITIATIVE_STAGE = "campaign_initiative_import_stage"
# the create body's columns (`initiatives.create` writes `data.model_dump()`)
INITIATIVE_CREATE_COLUMNS = tuple(InitiativeCreate.model_fields)
INITIATIVE_COLUMNS = (
    "id",
    *INITIATIVE_CREATE_COLUMNS,
    "title_search",
    "created_by",
    "external_source",
    "external_id",
)
CREATE_INITIATIVE_STAGE = create_stage(
    INITIATIVE_STAGE, [(name, column_type(_INITIATIVE, name)) for name in INITIATIVE_COLUMNS]
)
_INITIATIVES_LISTED = ", ".join(INITIATIVE_COLUMNS)
# the new initiatives, each with its `initiative.created` event (the payload of
# `service.initiatives.event_payload`) and the event's delivery job
INSERT_INITIATIVES = f"""
WITH inserted AS (
    INSERT INTO campaign_initiative ({_INITIATIVES_LISTED})
    SELECT {_INITIATIVES_LISTED} FROM {INITIATIVE_STAGE}
    ON CONFLICT (external_source, external_id) WHERE external_id IS NOT NULL DO NOTHING
    RETURNING id, code, title_ar, organization_id, status
), events AS (
    INSERT INTO common_outbox (id, event_type, aggregate_type, aggregate_id, organization_id,
                               payload)
    SELECT gen_random_uuid(), 'initiative.created', 'initiative', id, organization_id,
           jsonb_build_object('initiative_id', id::text, 'code', code, 'title_ar', title_ar,
                              'organization_id', organization_id::text, 'status', status)
    FROM inserted
    RETURNING id
){delivery_ctes("events")}
SELECT id, organization_id, code FROM inserted
"""  # noqa: S608
TAKEN_CODES = """
SELECT i.organization_id, i.code FROM campaign_initiative AS i
JOIN unnest($1::uuid[], $2::text[]) AS k(organization_id, code)
  ON i.organization_id = k.organization_id AND i.code = k.code
"""


async def taken_codes(
    connection: Any, wanted: Sequence[tuple[Any, str]]
) -> set[tuple[uuid.UUID, str]]:
    """Which (organization, code) pairs an initiative has already."""
    if not wanted:
        return set()
    rows = await connection.fetch(TAKEN_CODES, [w[0] for w in wanted], [w[1] for w in wanted])
    return {(row["organization_id"], row["code"]) for row in rows}


async def insert_initiatives(
    connection: Any, records: Sequence[tuple[Any, ...]]
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """Stages the new initiatives (`INITIATIVE_COLUMNS`) and inserts them; (id,
    organization, code) of each inserted."""
    await stage(connection, INITIATIVE_STAGE, CREATE_INITIATIVE_STAGE, INITIATIVE_COLUMNS, records)
    rows = await connection.fetch(INSERT_INITIATIVES)
    return [(row["id"], row["organization_id"], row["code"]) for row in rows]


# the changed initiatives (`initiatives.update`'s writes, decided in Python): each row's
# fields as they are after the change (its code, organization and parent stay), with
# `from_status` set when its status moves
CHANGE_STAGE = "campaign_initiative_change_stage"
CHANGE_COLUMNS = (
    "id",
    "title_ar",
    "title_en",
    "title_search",
    "description_ar",
    "description_en",
    "participating_organization_ids",
    "axis_id",
    "weight",
    "start_date",
    "end_date",
    "budget_planned",
    "budget_actual",
    "currency",
    "status",
    "published",
)
CREATE_CHANGE_STAGE = create_stage(
    CHANGE_STAGE,
    [(name, column_type(_INITIATIVE, name)) for name in CHANGE_COLUMNS]
    + [("from_status", column_type(_INITIATIVE, "status"))],
)
_CHANGES_SET = ", ".join(f"{name} = s.{name}" for name in CHANGE_COLUMNS[1:])
# each with its `initiative.status_changed` event when its status moved (the payload of
# `service.initiatives.event_payload` and `from_status`) and the event's delivery job
UPDATE_INITIATIVES = f"""
WITH updated AS (
    UPDATE campaign_initiative AS i SET {_CHANGES_SET}, updated_at = now()
    FROM {CHANGE_STAGE} AS s
    WHERE i.id = s.id
    RETURNING i.id, i.code, i.title_ar, i.organization_id, i.status, s.from_status
), events AS (
    INSERT INTO common_outbox (id, event_type, aggregate_type, aggregate_id, organization_id,
                               payload)
    SELECT gen_random_uuid(), 'initiative.status_changed', 'initiative', id, organization_id,
           jsonb_build_object('initiative_id', id::text, 'code', code, 'title_ar', title_ar,
                              'organization_id', organization_id::text, 'status', status,
                              'from_status', from_status)
    FROM updated WHERE from_status IS NOT NULL
    RETURNING id
){delivery_ctes("events")}
SELECT count(*) FROM updated
"""  # noqa: S608


async def update_initiatives(connection: Any, records: Sequence[tuple[Any, ...]]) -> int:
    """Stages the changed initiatives (`CHANGE_COLUMNS`, then `from_status`) and updates
    them; how many were updated."""
    await stage(
        connection, CHANGE_STAGE, CREATE_CHANGE_STAGE, (*CHANGE_COLUMNS, "from_status"), records
    )
    updated: int = await connection.fetchval(UPDATE_INITIATIVES)
    return updated
