"""Intake: validates, routes and stores an inquiry from any channel.

The hub's busiest write, so it runs on the driver with statements compiled once
(`repository_intake`): the context in two reads, then one statement writing the inquiry,
its history, the audit entry, the outbox event and the event's delivery job — three round
trips in all. The statement is atomic on its own; when the request already holds a
transaction (an `Idempotency-Key` claim, or a caller's unit of work such as the demo
loader) it runs inside it, so the stored response commits with the inquiry. Either way
the inquiry is durable before the response is sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.common import audit, outbox
from services.common.auth import Principal
from services.common.db import driver_of
from services.common.errors import ValidationFailed
from services.common.orgtree import DEFAULT_TIMEZONE
from services.inquiries import clock, sla
from services.inquiries import repository_intake as sql
from services.inquiries.errors import (
    CategoryOutsideOrganization,
    OrganizationRequired,
    UnknownCategory,
    UnknownChannel,
    UnknownOrganization,
)
from services.inquiries.models import Inquiry
from services.inquiries.repository import channel_wanted
from services.inquiries.schemas import InquiryCreate, Kind, Priority
from services.inquiries.service import (
    SERVICE,
    actor,
    category_open_to,
    event_payload,
    new_tracking_token,
    require,
    token_hash,
)
from services.inquiries.workflow import Status


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


async def create_inquiry(
    session: AsyncSession, principal: Principal | None, body: InquiryCreate
) -> tuple[Inquiry, str]:
    """Validates, routes and stores an inquiry; returns it with its one-time token."""
    if principal is not None:
        require(principal, "inquiries:write")
    now = clock.now()
    _check_media_fields(body, now)
    driver = await driver_of(session)
    year = now.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).year
    default_priority = Priority.HIGH if body.kind == Kind.MEDIA_REQUEST else Priority.NORMAL
    priority = (body.priority if principal is not None else None) or default_priority
    by_id, kind = channel_wanted(body.channel)
    named_params = {
        "category": body.category_id,
        "mine": principal.organization_id if principal else None,
        "named": body.organization_id,
        "year": year,
    }
    receiving_params = {
        "channel_id": by_id,
        "channel_kind": kind,
        "kind": body.kind.value,
        "priority": priority.value,
    }
    if body.organization_id is not None:
        # the organization named receives it: one statement reads all the context
        context = await sql.CONTEXT.row(driver, **named_params, **receiving_params)
        assert context is not None
        org_id, category_id = _route(principal, body, context)
        named = receiving = context
    else:
        found = await sql.NAMED.row(driver, **named_params)
        assert found is not None
        org_id, category_id = _route(principal, body, found)
        decided = await sql.RECEIVING.row(
            driver, org=org_id, category=category_id, **receiving_params
        )
        assert decided is not None
        named, receiving = found, decided
    if not receiving.organization_exists:
        raise UnknownOrganization()
    if receiving.channel_id is None:
        raise UnknownChannel()

    token = new_tracking_token()
    contact, location = body.contact, body.location
    created_by_type, created_by = actor(principal)
    # a transient instance (never added to a session): the SLA rules work on it
    inquiry = Inquiry(
        id=uuid.uuid4(),
        reference=await sql.reference(
            driver, year, int(named.reference_value), named.reference_base
        ),
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
    # one statement: atomic on its own, or part of the request's transaction when it has one
    await sql.WRITE.execute(driver, **sql.write_params(inquiry, history, entry, event))
    return inquiry, token
