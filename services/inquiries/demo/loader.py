"""Demo inquiries: about 300 inquiries in Arabic across the directory's demo organizations,
their channels, kinds and states, with categories and SLA policies, so a newcomer sees a
living hub (`govhub demo`, `make run`; composed in `govhub/demo.py`).

* Idempotent: nothing happens when a demo inquiry (`source = 'demo'`) exists; categories
  are keyed on (organization, code), policies on their scope. Without the directory's demo
  organizations (matched by code) nothing is loaded.
* Everything goes through the service layer as the API would: `catalog.create_category` /
  `create_policy` as the `system` principal, `intake.create_inquiry` as an anonymous
  citizen or as the staff member who took the call, the workflow actions
  (`service_workflow.*`) as the coordinators and agents of the owning organization, the
  citizen's answers and surveys with the tracking token (`tracking.*`). So routing, SLA
  targets and business-hours due times, references, timeline, history, audit entries and
  outbox events are the real ones.
* Back-dating: creation times are spread over the last 60 days. While loading,
  `services.inquiries.clock.now` is replaced by the simulated instant of each step (and
  restored afterwards, also on error), so `created_at`, due times, replies, resolutions
  and surveys carry their simulated times; audit entries get the same instant (a
  `before_flush` hook sets `occurred_at`). Outbox events keep the real time: they are to be
  delivered now. At the end the SLA sweep runs at the real time, as the worker would.
  Each organization's working calendar is also read once instead of at every step (the
  same swap of `service.sla.calendar_for`, ~2 800 fewer queries). Swapping module functions is
  safe here because loading is a one-shot step of its own (the supervisor and
  `govhub demo` run it before or outside any server).
* Cost: about 300 inquiries and 1 400 service calls (~12 000 statements) in one
  transaction: 7–9 s on the shared 2-core development machine, most of it the service
  layer's own work (ORM flushes, audit and outbox rows, the queue).
* Deterministic: one `random.Random(2026)` drives every choice (only "now" moves).
* `source = 'demo'`, `external_id = 'demo-0001'` … mark the demo inquiries.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from services.common.auth import Principal
from services.common.models import AuditEntry
from services.common.settings import GovhubSettings
from services.inquiries import clock
from services.inquiries.demo import attachments as demo_attachments
from services.inquiries.demo import data
from services.inquiries.demo.plan import DAYS, Hub, Org, Planned, Planner, Staff, read_hub, vary
from services.inquiries.domain.business_hours import BusinessCalendar
from services.inquiries.models import Category, Inquiry, SlaPolicy
from services.inquiries.repository import catalog as repository_catalog
from services.inquiries.repository import inquiries as repository
from services.inquiries.schemas.catalog import CategoryCreate, SlaPolicyCreate
from services.inquiries.schemas.inquiries import (
    AssignIn,
    CloseIn,
    InquiryCreate,
    Kind,
    MessageCreate,
    Priority,
    ReasonIn,
    RejectIn,
    ResolveIn,
    TransferIn,
    Visibility,
)
from services.inquiries.schemas.tracking import CitizenMessageIn, SurveyIn
from services.inquiries.service import catalog, tracking
from services.inquiries.service import sla as sla_service
from services.inquiries.service import workflow as service_workflow
from services.inquiries.service.intake import create as intake

SOURCE = "demo"
SYSTEM = Principal(
    subject="system", kind="system", organization_id=None, roles=frozenset({"sector_admin"})
)
# hours between steps (low, high)
DELAYS = {
    "transfer": (1, 8),
    "assign": (0.3, 6),
    "ack": (0.5, 12),
    "note": (1, 24),
    "request_info": (1, 24),
    "citizen_reply": (2, 48),
    "resolve": (3, 60),
    "reopen": (12, 48),
    "survey": (1, 72),
    "close": (24, 120),
    "reject": (1, 48),
}


def _no_precondition(_id: Any, _updated_at: datetime) -> None:
    return None


# --- the clock -----------------------------------------------------------------------------


class DemoClock:
    """The simulated instant every service call sees while loading."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current


@contextmanager
def simulated_time(session: AsyncSession, demo_clock: DemoClock) -> Iterator[None]:
    """The service layer sees the demo clock; audit entries get its instant; and each
    organization's working calendar is read once (the directory cannot change it while
    this one transaction runs)."""
    real_now, real_calendar_for = clock.now, sla_service.calendar_for
    calendars: dict[uuid.UUID, BusinessCalendar] = {}

    async def calendar_for(session: AsyncSession, org_id: uuid.UUID) -> BusinessCalendar:
        if org_id not in calendars:
            calendars[org_id] = await real_calendar_for(session, org_id)
        return calendars[org_id]

    def stamp(sync_session: Session, _context: Any, _instances: Any) -> None:
        for row in sync_session.new:
            if isinstance(row, AuditEntry) and row.occurred_at is None:
                row.occurred_at = demo_clock.current

    # the modules' functions are swapped (and restored), so every caller sees them
    setattr(clock, "now", demo_clock.now)  # noqa: B010
    setattr(sla_service, "calendar_for", calendar_for)  # noqa: B010
    event.listen(session.sync_session, "before_flush", stamp)
    try:
        yield
    finally:
        event.remove(session.sync_session, "before_flush", stamp)
        setattr(sla_service, "calendar_for", real_calendar_for)  # noqa: B010
        setattr(clock, "now", real_now)  # noqa: B010


# --- loading -------------------------------------------------------------------------------


@dataclass
class Loader:
    session: AsyncSession
    settings: GovhubSettings
    hub: Hub
    rng: random.Random
    now: datetime
    demo_clock: DemoClock
    originals: list[tuple[Inquiry, str]] = field(default_factory=list)  # (inquiry, topic)
    media_units: dict[str, Category] = field(default_factory=dict)
    planner: Planner = field(init=False)

    def __post_init__(self) -> None:
        self.planner = Planner(self.hub, self.rng, self.now, self.media_units)

    # --- the catalog ---

    async def load_catalog(self) -> None:
        for spec in data.CATEGORIES:
            org = self.hub.orgs.get(spec.organization)
            routing = self.hub.orgs.get(spec.routing) if spec.routing else None
            if org is None or (spec.routing and routing is None):
                continue
            existing = await self.session.scalar(
                text("SELECT id FROM inquiry_category WHERE organization_id = :o AND code = :c"),
                {"o": org.id, "c": spec.code},
            )
            if existing is not None:
                category = await repository_catalog.get_category(self.session, existing)
            else:
                category = await catalog.create_category(
                    self.session,
                    SYSTEM,
                    CategoryCreate(
                        organization_id=org.id,
                        code=spec.code,
                        name_ar=spec.name_ar,
                        name_en=spec.name_en,
                        routing_organization_id=routing.id if routing else None,
                        public=spec.public,
                        intake_default=spec.intake_default,
                    ),
                )
            assert category is not None
            self.hub.categories[(spec.organization, spec.code)] = category
            if routing is not None:
                self.media_units[routing.code] = category
        for policy in data.POLICIES:
            await self._policy(policy)

    async def _policy(self, spec: data.DemoPolicy) -> None:
        org = self.hub.orgs.get(spec.organization)
        if org is None:
            return
        category = (
            self.hub.categories.get((spec.organization, spec.category)) if spec.category else None
        )
        if spec.category and category is None:
            return
        probe = SlaPolicy(
            organization_id=org.id,
            category_id=category.id if category else None,
            kind=spec.kind,
            priority=spec.priority,
        )
        if await repository_catalog.policy_scope_taken(self.session, probe):
            return
        await catalog.create_policy(
            self.session,
            SYSTEM,
            SlaPolicyCreate(
                organization_id=org.id,
                category_id=category.id if category else None,
                kind=Kind(spec.kind) if spec.kind else None,
                priority=Priority(spec.priority) if spec.priority else None,
                name_ar=spec.name_ar,
                name_en=spec.name_en,
                first_response_minutes=spec.first_response_minutes,
                resolution_minutes=spec.resolution_minutes,
            ),
        )

    # --- planning ---

    # --- running one inquiry ---

    def _steps(self, planned: Planned, workable: bool) -> list[str]:
        rng, final = self.rng, planned.final
        steps: list[str] = ["transfer"] if planned.transfer_to else []
        if final == "new":
            return [*steps, "note"] if rng.random() < 0.2 else steps
        if workable:
            steps.append("assign")
        if final == "assigned":
            return steps
        if final == "rejected":
            return [*steps, "reject"]
        if final == "awaiting_citizen":
            return [*steps, *(["ack"] if rng.random() < 0.4 else []), "request_info"]
        if final == "in_progress" or not workable or rng.random() < 0.6:
            steps.append("ack")  # else resolved straight from assigned
        if rng.random() < 0.12:
            steps.append("note")
        if final == "in_progress":
            return steps
        if rng.random() < 0.2:
            steps += ["request_info", "citizen_reply"]
        steps.append("resolve")
        if rng.random() < 0.05:
            steps += ["reopen", "resolve"]
        if rng.random() < 0.5:
            steps.append("survey")
        if final == "closed":
            steps.append("close")
        return steps

    def _times(self, planned: Planned, steps: list[str]) -> list[datetime]:
        delays = [self.rng.uniform(*DELAYS[s]) for s in steps]
        if planned.topic == "media":
            delays = [d * 0.15 for d in delays]
        room = (self.now - planned.created).total_seconds() / 3600 * 0.9
        scale = min(1.0, room / sum(delays)) if delays else 1.0
        times, at = [], planned.created
        for delay in delays:
            at += timedelta(hours=delay * scale)
            times.append(at)
        return times

    def _actor(self, org: Org, assignee: Staff | None) -> Staff | None:
        if assignee is not None and self.hub.sees(assignee, org):
            return assignee
        leads = self.hub.leads(org)
        if leads:
            return leads[0]
        visible = [s for s in self.hub.staff if self.hub.sees(s, org)]
        return visible[0] if visible else None

    def _as_duplicate(self, planned: Planned) -> InquiryCreate:
        """The same report again, written a little differently, of an earlier inquiry of
        the organization (so `/similar` finds it and the rejection names it)."""
        earlier = [
            (i, t)
            for i, t in self.originals
            if i.organization_id == planned.org.id and i.kind in ("complaint", "request")
        ]
        if not planned.duplicate or not earlier:
            return planned.body
        original, planned.topic = self.rng.choice(earlier)
        planned.duplicate_of = original
        category_id = original.category_id
        if planned.creator is None and category_id is not None:
            public = {c.id for c in self.hub.categories.values() if c.public}
            category_id = category_id if category_id in public else None
        return planned.body.model_copy(
            update={
                "kind": Kind(original.kind),
                "subject": vary(original.subject, self.rng),
                "body": vary(original.body, self.rng),
                "category_id": category_id,
            }
        )

    async def run(self, planned: Planned) -> Inquiry:
        rng, session = self.rng, self.session
        self.demo_clock.current = planned.created
        body = self._as_duplicate(planned)
        created, token = await intake.create_inquiry(session, planned.creator, body)
        inquiry = await repository.get(session, created.id)
        assert inquiry is not None
        inquiry.source = SOURCE
        inquiry.external_id = f"demo-{planned.number:04d}"
        inquiry.updated_at = planned.created  # the marking is no change anyone made
        org = planned.org
        owner = planned.transfer_to or org
        assignable = self.hub.assignable(owner)
        steps = self._steps(planned, bool(assignable) and bool(self.hub.leads(owner)))
        assignee: Staff | None = None
        changed_at = planned.created
        for step, at in zip(steps, self._times(planned, steps), strict=True):
            self.demo_clock.current = at
            if step != "survey":  # the survey is a row of its own
                changed_at = at
            actor = self._actor(org, assignee)
            who = actor.principal if actor else SYSTEM
            if step == "transfer" and planned.transfer_to is not None:
                reason = data.TRANSFERS[org.code][1]
                await service_workflow.transfer(
                    session,
                    who,
                    inquiry.id,
                    TransferIn(organization_id=planned.transfer_to.id, reason=reason),
                    _no_precondition,
                )
                org = planned.transfer_to
            elif step == "assign":
                workers = self.hub.workers(org)
                assignee = rng.choice(workers or assignable)
                lead = self.hub.leads(org)
                assigner = lead[0].principal if lead else assignee.principal
                await service_workflow.assign(
                    session,
                    assigner,
                    inquiry.id,
                    AssignIn(assignee_id=assignee.id),
                    _no_precondition,
                )
            elif step in ("ack", "request_info", "note"):
                await service_workflow.post_message(
                    session,
                    who,
                    inquiry.id,
                    MessageCreate(
                        body=rng.choice(
                            data.NOTES
                            if step == "note"
                            else data.INFO_REQUESTS
                            if step == "request_info"
                            else data.ACKNOWLEDGEMENTS
                        ),
                        visibility=Visibility.INTERNAL if step == "note" else Visibility.PUBLIC,
                        await_citizen=step == "request_info",
                    ),
                )
            elif step == "citizen_reply":
                await tracking.citizen_message(
                    session,
                    inquiry.reference,
                    token,
                    CitizenMessageIn(body=vary(rng.choice(data.CITIZEN_REPLIES), rng)),
                )
            elif step == "resolve":
                await service_workflow.resolve(
                    session,
                    who,
                    inquiry.id,
                    ResolveIn(resolution=rng.choice(data.RESOLUTIONS[planned.topic])),
                    _no_precondition,
                )
            elif step == "reopen":
                await service_workflow.reopen(
                    session,
                    who,
                    inquiry.id,
                    ReasonIn(reason="أفاد المواطن بعودة المشكلة"),
                    _no_precondition,
                )
            elif step == "survey":
                rating = rng.choices([5, 4, 3, 2, 1], weights=[45, 25, 12, 10, 8])[0]
                await tracking.submit_survey(
                    session,
                    inquiry.id,
                    token,
                    SurveyIn(rating=rating, comment=rng.choice(data.SURVEY_COMMENTS[rating])),
                    self.settings.inquiries_survey_days,
                )
            elif step == "close":
                await service_workflow.close(
                    session,
                    who,
                    inquiry.id,
                    CloseIn(note=rng.choice(data.CLOSING_NOTES)),
                    _no_precondition,
                )
            elif step == "reject":
                original = planned.duplicate_of
                await service_workflow.reject(
                    session,
                    who,
                    inquiry.id,
                    RejectIn(
                        reason=data.DUPLICATE_REASON if original else rng.choice(data.REJECTIONS),
                        duplicate_of=original.id if original else None,
                    ),
                    _no_precondition,
                )
        # a step that sets `updated_at` to the value it already had lets the column's
        # server-side `onupdate` stamp the real time: keep the simulated one
        inquiry.updated_at = changed_at
        await session.flush()
        if planned.duplicate_of is None and planned.topic != "media":
            self.originals.append((inquiry, planned.topic))
        return inquiry


# --- the entry point -----------------------------------------------------------------------


async def demo_exists(session: AsyncSession) -> bool:
    found = await session.scalar(
        text("SELECT 1 FROM inquiry WHERE source = :source LIMIT 1"), {"source": SOURCE}
    )
    return found is not None


async def load_demo(session: AsyncSession, settings: GovhubSettings) -> int:
    """Loads the demo inquiries once; returns how many were created (0 when they exist or
    the directory's demo organizations are missing). The caller commits."""
    if await demo_exists(session):
        return 0
    hub = await read_hub(session)
    if not any(code in hub.orgs for code, _ in data.VOLUMES):
        return 0
    now = clock.now()
    demo_clock = DemoClock(now - timedelta(days=DAYS + 1))
    loader = Loader(session, settings, hub, random.Random(2026), now, demo_clock)
    created = 0
    with simulated_time(session, demo_clock):
        await loader.load_catalog()
        plans: list[Planned] = []
        number = 0
        for code, count in data.VOLUMES:
            org = hub.orgs.get(code)
            for _ in range(count if org else 0):
                number += 1
                planned = loader.planner.plan(number, org) if org else None
                if planned is not None:
                    plans.append(planned)
        # in order of creation, so references grow with time and duplicates find originals
        plans.sort(key=lambda p: p.created)
        for planned in plans:
            await loader.run(planned)
            created += 1
    await demo_attachments.attach_photos(session, settings)  # a few complaints' photos
    await sla_service.sweep_sla_breaches(session)  # at the real time, as the worker would
    return created
