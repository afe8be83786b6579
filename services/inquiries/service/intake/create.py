"""Intake: validates, routes and stores an inquiry from any channel.

The hub's busiest write, so it runs on the driver with statements compiled once
(`repository.intake`): the context in one read (two when routed by category), then one
statement writing the inquiry, its history, the audit entry, the outbox event and the
event's delivery job. With the process's `IntakeMemory`, a context read before and a
reference number from the process's block need no round trip: a steady stream of intakes
is one statement each, and with the process's `IntakeWriter` the statements of concurrent
intakes go to PostgreSQL in shared batches (group commit). The statement is atomic on its
own; when the request already holds a transaction (an `Idempotency-Key` claim, or a
caller's unit of work such as the demo loader or an Open311 request) it runs inside it, so
what else the request writes commits with the inquiry. Either way the inquiry is durable
before the response is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, outbox
from services.common.auth import Principal
from services.common.db import driver_of
from services.common.errors import DomainError, ValidationFailed
from services.common.orgtree import DEFAULT_TIMEZONE
from services.common.outage import is_database_unavailable
from services.inquiries import clock
from services.inquiries.domain import sla
from services.inquiries.domain.states import Status
from services.inquiries.errors import (
    CategoryOutsideOrganization,
    OrganizationRequired,
    UnknownCategory,
    UnknownChannel,
    UnknownOrganization,
)
from services.inquiries.repository import intake as sql
from services.inquiries.repository.inquiries import channel_wanted
from services.inquiries.schemas.inquiries import InquiryCreate, Kind, Priority
from services.inquiries.service.inquiries import (
    SERVICE,
    actor,
    category_open_to,
    event_payload,
    new_tracking_token,
    require,
    token_hash,
)
from services.inquiries.service.intake.memory import Connect, Context, IntakeMemory
from services.inquiries.service.intake.writer import IntakeWriter


def _usable(principal: Principal | None, named: Any) -> bool:
    """`service.category_open_to`, the relations read with the `NAMED` row."""
    decided = category_open_to(
        principal, active=named.category_active, public=named.category_public
    )
    return decided if decided is not None else bool(named.below_mine or named.above_mine)


def _route(
    principal: Principal | None, body: InquiryCreate, named: Any
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The organization and category an inquiry goes to (see InquiryCreate's fields)."""
    if body.category_id is not None and (
        named.category_id is None or not _usable(principal, named)
    ):
        raise UnknownCategory()
    if body.organization_id is not None:
        if not named.named_exists:
            raise UnknownOrganization()
        if body.category_id is not None:
            if not named.holds_named:
                raise CategoryOutsideOrganization()
            return body.organization_id, body.category_id
        return body.organization_id, named.intake_default
    if body.category_id is not None:
        return named.category_routing_id or named.category_organization_id, body.category_id
    raise OrganizationRequired()


def _check_media_fields(body: InquiryCreate, now: datetime) -> None:
    if body.kind == Kind.MEDIA_REQUEST:
        if not body.outlet:
            raise ValidationFailed("outlet", "حدد الوسيلة الإعلامية", "Name the media outlet")
        if body.deadline is None:
            raise ValidationFailed(
                "deadline", "حدد الموعد النهائي للرد", "Give the journalist's deadline"
            )
        if body.contact is None or not (body.contact.phone or body.contact.email):
            raise ValidationFailed(
                "contact", "أضف هاتف الصحفي أو بريده", "Give the journalist's phone or e-mail"
            )
    else:
        for name in ("outlet", "deadline"):
            if getattr(body, name) is not None:
                raise ValidationFailed(
                    name, "هذا الحقل للطلبات الإعلامية فقط", "Only media requests carry this field"
                )
    if body.deadline is not None and body.deadline <= now:
        raise ValidationFailed(
            "deadline", "الموعد النهائي في الماضي", "The deadline is in the past"
        )


def _context_key(principal: Principal | None, body: InquiryCreate, priority: Priority) -> Any:
    """What an intake's context depends on (see `memory`)."""
    return (
        body.category_id,
        principal.organization_id if principal else None,
        body.organization_id,
        body.channel,
        body.kind,
        priority,
    )


async def _read_context(
    driver: Any, principal: Principal | None, body: InquiryCreate, priority: Priority
) -> Context:
    by_id, kind = channel_wanted(body.channel)
    named_params = {
        "category": body.category_id,
        "mine": principal.organization_id if principal else None,
        "named": body.organization_id,
    }
    receiving_params = {
        "channel_id": by_id,
        "channel_kind": kind,
        "kind": body.kind.value,
        "priority": priority.value,
    }
    if body.organization_id is not None:
        # the organization named receives it: one statement reads all the context
        row = await sql.CONTEXT.row(driver, **named_params, **receiving_params)
        assert row is not None
        return Context(row, row, int(row.generation))
    named = await sql.NAMED.row(driver, **named_params)
    assert named is not None
    org_id, category_id = _route(principal, body, named)
    receiving = await sql.RECEIVING.row(
        driver, org=org_id, category=category_id, **receiving_params
    )
    assert receiving is not None
    # read in two statements: a change committed between them shows as a newer generation
    return Context(named, receiving, min(int(named.generation), int(receiving.generation)))


def _decide(
    principal: Principal | None, body: InquiryCreate, context: Context
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """The organization and category, or the problem refusing the inquiry."""
    org_id, category_id = _route(principal, body, context.named)
    if not context.receiving.organization_exists:
        raise UnknownOrganization()
    if context.receiving.channel_id is None:
        raise UnknownChannel()
    return org_id, category_id


@asynccontextmanager
async def _driver(session: AsyncSession) -> AsyncIterator[Any]:
    """The request's connection, for what an intake reads."""
    yield await driver_of(session)


async def _write_on(session: AsyncSession, **params: Any) -> bool:
    return await sql.WRITE.row(await driver_of(session), **params) is not None


async def create_inquiry(
    session: AsyncSession | None,
    principal: Principal | None,
    body: InquiryCreate,
    memory: IntakeMemory | None = None,
    writer: IntakeWriter | None = None,
) -> tuple[SimpleNamespace, str]:
    """Validates, routes and stores an inquiry; returns it (its columns as attributes)
    with its one-time token.

    `memory` is the process's (the service keeps one); without it the context is read
    and a reference number drawn for this intake alone. `writer` is the process's group
    commit (`writer`): unless `session` holds a transaction (which the intake must
    then join), the intake reads on the writer's connections and is written in its next
    batch; `session` may be None then."""
    if principal is not None:
        require(principal, "inquiries:write")
    now = clock.now()
    _check_media_fields(body, now)
    memory = memory or IntakeMemory()
    connect: Connect
    write: Callable[..., Awaitable[bool]]
    alone = writer is not None and (session is None or not session.in_transaction())
    if alone:  # its own statement: a refused one leaves nothing to roll back
        assert writer is not None
        connect, write = writer.connection, writer.write
    else:
        assert session is not None, "an intake without a writer runs on a session"
        connect, write = partial(_driver, session), partial(_write_on, session)
    default_priority = Priority.HIGH if body.kind == Kind.MEDIA_REQUEST else Priority.NORMAL
    priority = (body.priority if principal is not None else None) or default_priority
    key = _context_key(principal, body, priority)
    token = new_tracking_token()
    reference: str | None = None

    while True:
        context = memory.context(key)
        kept = context is not None
        if context is None:
            async with connect() as driver:
                context = await _read_context(driver, principal, body, priority)
        try:
            decided = _decide(principal, body, context)
        except DomainError:
            if kept:  # perhaps no longer so: read again before refusing
                memory.forget(key)
                continue
            raise
        if not kept:
            memory.keep(key, context)
        if reference is None:
            year = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).year
            reference = await memory.reference(connect, year)
        inquiry, params = _rows(
            principal, body, now, priority, reference, token, decided, context.receiving
        )
        # one statement: atomic on its own (or in its batch), or part of the request's
        # transaction when it has one; a kept context is written only while its generation
        # holds, one just read unconditionally
        params["generation"] = context.generation if kept else None
        try:
            written = await write(**params)
        except Exception as exc:
            if is_database_unavailable(exc):
                memory.forget_references()  # the sequence may restart below them
                raise
            if alone and _reference_taken(exc):
                # drawn again by a sequence that restarted after a crash: a new one
                memory.forget_references()
                reference = None
                continue
            raise
        if written:
            return inquiry, token
        memory.forget_all()  # the configuration changed: nothing kept is current


def _reference_taken(exc: BaseException) -> bool:
    """Whether `exc` is the reference's unique constraint refusing a value already used."""
    current: BaseException | None = exc
    while current is not None:
        if getattr(current, "constraint_name", None) == "uq_inquiry_reference":
            return True
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False


def _rows(
    principal: Principal | None,
    body: InquiryCreate,
    now: datetime,
    priority: Priority,
    reference: str,
    token: str,
    decided: tuple[uuid.UUID, uuid.UUID | None],
    receiving: Any,
) -> tuple[SimpleNamespace, dict[str, Any]]:
    """The new inquiry, with its due times, and `WRITE`'s parameters for it and its
    history, audit entry and outbox event."""
    org_id, category_id = decided
    contact, location = body.contact, body.location
    created_by_type, created_by = actor(principal)
    inquiry = sql.new_inquiry(
        id=uuid.uuid4(),
        reference=reference,
        organization_id=org_id,
        category_id=category_id,
        kind=body.kind.value,
        channel=receiving.channel_kind,
        channel_id=receiving.channel_id,
        status=Status.NEW.value,
        priority=priority.value,
        subject=body.subject,
        body=body.body,
        contact_name=contact.name if contact else None,
        contact_phone=contact.phone if contact else None,
        contact_email=str(contact.email) if contact and contact.email else None,
        location_lat=location.lat if location else None,
        location_long=location.long if location else None,
        location_address=location.address if location else None,
        outlet=body.outlet,
        deadline=body.deadline,
        created_by=created_by,
        created_by_type=created_by_type,
        tracking_token_hash=token_hash(token),
        transfer_count=0,
        paused_minutes=0,
        sla_started_at=now,
        sla_breached=False,
        first_response_breach_notified=False,
        resolution_breach_notified=False,
        created_at=now,
        updated_at=now,
    )
    if receiving.policy_id is None:
        targets = sla.targets_of(None, inquiry.kind, inquiry.priority)
    else:
        targets = sla.Targets(
            receiving.first_response_minutes, receiving.resolution_minutes, receiving.policy_id
        )
    sla.apply_targets(inquiry, targets)
    sla.schedule(inquiry, sla.business_calendar(sql.calendar(org_id, receiving)))
    channel_kind = receiving.channel_kind

    history = {
        "id": uuid.uuid4(),
        "inquiry_id": inquiry.id,
        "action": "create",
        "from_status": None,
        "to_status": inquiry.status,
        "actor_type": created_by_type,
        "actor_id": created_by,
        "organization_id": org_id,
        "details": {"channel": channel_kind},
        "created_at": now,
        "updated_at": now,
    }
    entry = audit.entry(
        service=SERVICE,
        principal=principal,
        action="create",
        resource_type="inquiry",
        resource_id=inquiry.id,
        organization_id=org_id,
        changes={"reference": inquiry.reference, "kind": inquiry.kind, "status": inquiry.status},
    )
    event = outbox.event_row(
        "inquiry.created",
        aggregate_type="inquiry",
        aggregate_id=inquiry.id,
        payload=event_payload(
            inquiry,
            first_response_due=inquiry.first_response_due.isoformat(),
            resolution_due=inquiry.resolution_due.isoformat(),
            created_at=now.isoformat(),
        ),
        organization_id=org_id,
    )
    return inquiry, sql.write_params(inquiry, history, entry, event)
