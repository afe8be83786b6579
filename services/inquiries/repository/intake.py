"""The intake's SQL, compiled once (`common.db.Prepared`): an inquiry arrives far more often
than anything else is written, and building a dozen statements through the ORM cost more
than running them. Each statement is made by the same builder the rest of the service uses,
with bind parameters for the values, so every rule lives once.

The intake reads its context (category, organization, channel, SLA policy, calendar, and
the configuration generation they were read at) with these, then writes the inquiry, its
history, the audit entry, the outbox event and the event's delivery job in one statement
(`WRITE`, data-modifying CTEs) while that generation holds. Contexts are kept between
requests and references drawn in blocks by `service.intake.memory`.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from services.common.db import Prepared
from services.common.models import AuditEntry, ConfigGeneration, OutboxEvent
from services.common.orgtree import (
    CALENDAR_FIELDS,
    WorkCalendar,
    calendar_of,
    holiday,
    holidays_statement,
    inherited,
    organization,
    path_subquery,
    within,
)
from services.common.outbox import DELIVER_ENTRYPOINT, delivery_payload
from services.common.queue import job_ctes
from services.inquiries.models import Category, Event, Inquiry, ReferenceYear
from services.inquiries.repository.catalog import intake_default_statement, policy_statement
from services.inquiries.repository.inquiries import intake_channel_statement

_ORG: Any = bindparam("org")
_category = Category.__table__.c


def _scalar(statement: Any, column: Any, label: str) -> Any:
    return statement.with_only_columns(column).scalar_subquery().label(label)


# Round trips are what an intake costs most (each takes ~0.15 ms of CPU on the client on
# the reference machine), so the context is one-row statements: what the request names
# (`NAMED`: the category, how it relates to the caller's organization `mine` and to the
# organization named, the named organization and its intake default) and
# what the receiving organization decides (`RECEIVING`: channel, SLA policy, calendar).
# When the request names its organization, that is the receiving one, so both are read in
# one statement (`CONTEXT`); routed by category, the second waits for the routing.
# A looked-up row is joined once as a subquery (a scalar subquery per column would look it
# up once per column). Both carry the configuration generation they were read at.
_one = select(literal(1).label("one")).subquery("one")
_category_row = (
    select(
        _category.id.label("category_id"),
        _category.organization_id.label("category_organization_id"),
        _category.routing_organization_id.label("category_routing_id"),
        _category.public.label("category_public"),
        _category.active.label("category_active"),
        within(_category.organization_id, bindparam("mine")).label("below_mine"),
        within(bindparam("mine"), _category.organization_id).label("above_mine"),
        within(bindparam("named"), _category.organization_id).label("holds_named"),
    )
    .where(_category.id == bindparam("category"))
    .subquery("named_category")
)
_intake_default = _scalar(
    intake_default_statement(bindparam("named")), Category.id, "intake_default"
)
# the configuration generation now (see `ConfigGeneration`): read with every context,
# checked by `WRITE`
_current_generation = select(ConfigGeneration.generation).scalar_subquery()
_GENERATION = _current_generation.label("generation")
_NAMED_COLUMNS = (
    *_category_row.c,
    exists().where(organization.c.id == bindparam("named")).label("named_exists"),
    _intake_default,
    _GENERATION,
)


def _receiving(org: Any, category: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """`RECEIVING`'s columns and the one-row subqueries they come from, for the receiving
    organization `org` and the inquiry's `category` (expressions or bind parameters).
    The calendar is each field's nearest setting up the tree (`orgtree.inherited`)."""
    channel_row = intake_channel_statement(
        org, bindparam("channel_id"), bindparam("channel_kind")
    ).subquery("receiving_channel")
    policy_row = policy_statement(org, category, bindparam("kind"), bindparam("priority")).subquery(
        "receiving_policy"
    )
    path = path_subquery(org)
    columns = (
        exists().where(organization.c.id == org).label("organization_exists"),
        channel_row.c.id.label("channel_id"),
        channel_row.c.kind.label("channel_kind"),
        policy_row.c.id.label("policy_id"),
        policy_row.c.first_response_minutes,
        policy_row.c.resolution_minutes,
        *(inherited(name, path).label(name) for name in CALENDAR_FIELDS),
        _scalar(holidays_statement(org), func.array_agg(holiday.c.date), "holidays"),
    )
    return columns, (channel_row, policy_row)


def _joined(*rows: Any) -> Any:
    joined: Any = _one
    for row in rows:
        joined = joined.outerjoin(row, true())
    return joined


NAMED = Prepared(select(*_NAMED_COLUMNS).select_from(_joined(_category_row)))
_receiving_columns, _receiving_rows = _receiving(_ORG, bindparam("category"))
RECEIVING = Prepared(
    select(_GENERATION, *_receiving_columns).select_from(_joined(*_receiving_rows))
)
# the organization named receives it; the category is the one named, else its default
_context_columns, _context_rows = _receiving(
    bindparam("named"), func.coalesce(bindparam("category"), _intake_default.element)
)
CONTEXT = Prepared(
    select(*_NAMED_COLUMNS, *_context_columns).select_from(_joined(_category_row, *_context_rows))
)
SET_REFERENCE_BASE = Prepared(
    pg_insert(ReferenceYear)
    .values(year=bindparam("year"), base=bindparam("base"))
    .on_conflict_do_nothing(index_elements=["year"])
)
REFERENCE_BASE = Prepared(select(ReferenceYear.base).where(ReferenceYear.year == bindparam("year")))
RESERVE_REFERENCES = Prepared(
    select(func.nextval(literal("inquiry_reference_seq")).label("value")).select_from(
        func.generate_series(1, bindparam("count", type_=Integer))
    )
)


_INQUIRY, _EVENT, _AUDIT, _OUTBOX = (
    cast(Table, model.__table__) for model in (Inquiry, Event, AuditEntry, OutboxEvent)
)


def _values(table: Table, prefix: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A bind parameter `<prefix><column>` for every column the intake writes."""
    return {
        c.key: bindparam(prefix + c.key, type_=c.type)
        for c in table.c
        if c.computed is None and c.key not in skip
    }


_INQUIRY_COLUMNS = tuple(c.key for c in _INQUIRY.c if c.computed is None)
_EVENT_COLUMNS = tuple(c.key for c in _EVENT.c)
_AUDIT_SKIP = ("occurred_at",)
_AUDIT_COLUMNS = tuple(c.key for c in _AUDIT.c if c.key not in _AUDIT_SKIP)
_OUTBOX_SKIP = ("status", "attempts", "last_error", "created_at", "delivered_at", "handled")
_OUTBOX_COLUMNS = tuple(c.key for c in _OUTBOX.c if c.key not in _OUTBOX_SKIP)

# `WRITE` inserts only while the configuration generation is the one its context was read
# at (`generation`; NULL: unconditionally), every row under the same condition in the same
# snapshot; it returns the inquiry's id, or no row when the generation has moved.
_generation_param: Any = bindparam("generation", type_=BigInteger)
_UNCHANGED = func.coalesce(_generation_param, _current_generation) == _current_generation


def _guarded(table: Table, prefix: str, skip: tuple[str, ...] = ()) -> Any:
    values = _values(table, prefix, skip)
    return insert(table).from_select(list(values), select(*values.values()).where(_UNCHANGED))


WRITE = Prepared(
    _guarded(_INQUIRY, "i_")
    .returning(_INQUIRY.c.id)
    .add_cte(
        _guarded(_EVENT, "e_").cte("history"),
        _guarded(_AUDIT, "a_", _AUDIT_SKIP).cte("audit"),
        _guarded(_OUTBOX, "o_", _OUTBOX_SKIP).cte("outbox"),
        *job_ctes(
            DELIVER_ENTRYPOINT, bindparam("job_payload", type_=LargeBinary), where=_UNCHANGED
        ),
    )
)

_JSON_COLUMNS = {"details", "changes", "payload"}


# every column the intake writes, None until the intake sets it (as on a new ORM instance)
_BLANK_INQUIRY = dict.fromkeys(_INQUIRY_COLUMNS)
_INQUIRY_PARAMS = {key: "i_" + key for key in _INQUIRY_COLUMNS}


def new_inquiry(**values: Any) -> SimpleNamespace:
    """A new inquiry as the intake builds it: a plain object with every column of
    `Inquiry` (None where not given), for the SLA rules and the views; never attached to a
    session. A transient ORM instance cost ~50 µs of CPU an intake (its construction and
    instrumented attributes), this ~3 µs."""
    return SimpleNamespace(**(_BLANK_INQUIRY | values))


def write_params(
    inquiry: SimpleNamespace,
    event: dict[str, Any],
    audit_entry: dict[str, Any],
    outbox_event: dict[str, Any],
) -> dict[str, Any]:
    """`WRITE`'s parameters: the inquiry's attributes and the three rows' values."""
    values = vars(inquiry)
    params = {name: values[key] for key, name in _INQUIRY_PARAMS.items()}
    for prefix, row, keys in (
        ("e_", event, _EVENT_COLUMNS),
        ("a_", audit_entry, _AUDIT_COLUMNS),
        ("o_", outbox_event, _OUTBOX_COLUMNS),
    ):
        for key in keys:
            value = row.get(key)
            params[prefix + key] = (
                json.dumps(value, ensure_ascii=False) if key in _JSON_COLUMNS else value
            )
    params["job_payload"] = delivery_payload(outbox_event["id"])
    return params


def calendar(org_id: Any, receiving: Any) -> WorkCalendar:
    """The receiving organization's calendar from the `RECEIVING` row."""
    return calendar_of(
        org_id,
        [{name: getattr(receiving, name) for name in CALENDAR_FIELDS}],
        receiving.holidays or (),
    )
