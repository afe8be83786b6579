"""Approvals (S3-1): policies per organization subtree and kinds, steps by level and roles,
decisions kept forever; nobody decides on an entry they wrote or last changed.

The policy that applies to an entry is the one of the nearest organization on its path
(its own, then each ancestor) that has an active policy covering its kind; a policy naming
the kind wins over one for every kind at the same organization. None: one `own` step that
a unit_head or org_admin decides.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain.states import Action, Status, next_status
from services.calendar.errors import not_your_step, self_approval
from services.calendar.models import ApprovalPolicy, ApprovalStep, Entry
from services.calendar.repository import approvals as repo
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import entries as entry_repo
from services.calendar.repository.base import flush
from services.calendar.schemas.approvals import PolicyCreate, PolicyUpdate
from services.calendar.service import conflicts
from services.calendar.service.common import event, now, record, visible_organization
from services.calendar.service.entries import entry_payload, transition
from services.common.audit import diff
from services.common.auth import Principal
from services.common.errors import Forbidden, NotFound
from services.common.pagination import PageParams

DEFAULT_STEPS: list[dict[str, Any]] = [{"level": "own", "roles": ["unit_head", "org_admin"]}]
POLICY_FIELDS = ("organization_id", "name_ar", "name_en", "kinds", "steps", "active")


async def steps_for(session: AsyncSession, entry: Entry) -> list[dict[str, Any]]:
    """The steps the entry's policy asks for, each with the organization that decides."""
    chain = await directory_repo.chain(session, entry.organization_id)
    ids = [row["id"] for row in chain]
    policies = await repo.policies_for(session, ids, entry.kind)
    chosen: ApprovalPolicy | None = None
    if policies:
        rank = {org_id: i for i, org_id in enumerate(ids)}
        chosen = min(
            policies, key=lambda p: (rank[p.organization_id], 0 if p.kinds else 1, p.created_at)
        )
    steps = chosen.steps if chosen is not None else DEFAULT_STEPS
    levels = {
        "own": ids[0],
        "parent": ids[1] if len(ids) > 1 else ids[0],
        "ministry": ids[-1],
    }
    return [
        {"level": s["level"], "roles": list(s["roles"]), "organization_id": levels[s["level"]]}
        for s in steps
    ]


async def open_steps(session: AsyncSession, entry: Entry) -> None:
    for position, step in enumerate(await steps_for(session, entry), start=1):
        session.add(
            ApprovalStep(
                id=uuid.uuid4(),
                entry_id=entry.id,
                version=entry.version,
                position=position,
                level=step["level"],
                organization_id=step["organization_id"],
                roles=step["roles"],
                status="waiting" if position == 1 else "queued",
            )
        )


async def reopen(session: AsyncSession, entry: Entry) -> None:
    """A changed entry back to pending: earlier steps superseded, the policy's steps anew."""
    await repo.supersede(session, entry.id)
    await open_steps(session, entry)


async def submit(session: AsyncSession, principal: Principal, entry: Entry) -> list[dict[str, Any]]:
    next_status(Action.SUBMIT, entry.status)
    found = await conflicts.of_entry(session, entry)
    conflicts.refuse_blackouts(found)
    await repo.supersede(session, entry.id)
    await transition(session, principal, entry, Action.SUBMIT)
    await open_steps(session, entry)
    await event(
        session,
        "calendar.entry.submitted",
        "calendar_entry",
        entry.id,
        entry.organization_id,
        entry_payload(entry),
    )
    await flush(session)
    return found


def _check_decider(principal: Principal, entry: Entry, step: ApprovalStep) -> None:
    if principal.kind == "client":
        raise Forbidden()
    if principal.subject in {entry.created_by, entry.updated_by}:
        raise self_approval()
    if principal.is_sector_admin:
        return
    if principal.organization_id != step.organization_id or not (principal.roles & set(step.roles)):
        raise not_your_step()


async def _waiting_step(
    session: AsyncSession, entry: Entry
) -> tuple[ApprovalStep, list[ApprovalStep]]:
    steps = await repo.current_steps(session, entry.id, entry.version)
    waiting = next((s for s in steps if s.status == "waiting"), None)
    if waiting is None:
        await reopen(session, entry)
        await flush(session)
        steps = await repo.current_steps(session, entry.id, entry.version)
        waiting = next(s for s in steps if s.status == "waiting")
    return waiting, steps


async def approve(
    session: AsyncSession, principal: Principal, entry: Entry, comment: str | None
) -> list[dict[str, Any]]:
    next_status(Action.APPROVE, entry.status)
    step, steps = await _waiting_step(session, entry)
    _check_decider(principal, entry, step)
    found = await conflicts.of_entry(session, entry)
    conflicts.refuse_blackouts(found)
    step.status, step.decided_by, step.decided_at, step.comment = (
        "approved",
        principal.subject,
        now(),
        comment,
    )
    following = next(
        (s for s in steps if s.position > step.position and s.status == "queued"), None
    )
    if following is not None:
        following.status = "waiting"
        await entry_repo.add_history(
            session,
            entry_id=entry.id,
            version=entry.version,
            action="approve",
            from_status=entry.status,
            to_status=entry.status,
            actor_id=principal.subject,
            actor_type=principal.kind,
            comment=comment,
        )
        await record(
            session,
            principal,
            "approve_step",
            "entry",
            entry.id,
            entry.organization_id,
            {"step": step.position, "comment": comment},
        )
    else:
        await transition(session, principal, entry, Action.APPROVE, comment=comment)
        await event(
            session,
            "calendar.entry.approved",
            "calendar_entry",
            entry.id,
            entry.organization_id,
            {**entry_payload(entry), "approved_by": principal.subject},
        )
    await flush(session)
    return found


async def reject(session: AsyncSession, principal: Principal, entry: Entry, comment: str) -> None:
    next_status(Action.REJECT, entry.status)
    step, steps = await _waiting_step(session, entry)
    _check_decider(principal, entry, step)
    step.status, step.decided_by, step.decided_at, step.comment = (
        "rejected",
        principal.subject,
        now(),
        comment,
    )
    for other in steps:
        if other.status == "queued":
            other.status = "superseded"
    await transition(session, principal, entry, Action.REJECT, comment=comment)
    await event(
        session,
        "calendar.entry.rejected",
        "calendar_entry",
        entry.id,
        entry.organization_id,
        {**entry_payload(entry), "comment": comment, "rejected_by": principal.subject},
    )
    await flush(session)


async def approval_view(session: AsyncSession, entry_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    steps = await repo.steps_of(session, entry_ids)
    history = await entry_repo.history_of(session, entry_ids)
    view: dict[uuid.UUID, dict[str, list[Any]]] = {
        i: {"steps": [], "history": []} for i in entry_ids
    }
    for s in steps:
        view[s.entry_id]["steps"].append(s)
    for h in history:
        view[h.entry_id]["history"].append(h)
    return view


async def awaiting(
    session: AsyncSession, principal: Principal, page: PageParams
) -> tuple[list[ApprovalStep], str | None]:
    return await repo.awaiting(session, principal, page)


# ---- policies


def policy_snapshot(policy: ApprovalPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


async def get_policy(
    session: AsyncSession, principal: Principal, policy_id: uuid.UUID
) -> ApprovalPolicy:
    policy = await repo.get_policy(session, principal, policy_id)
    if policy is None:
        raise NotFound("سياسة الاعتماد", "approval policy")
    return policy


async def create_policy(
    session: AsyncSession, principal: Principal, data: PolicyCreate
) -> ApprovalPolicy:
    await visible_organization(session, principal, data.organization_id, "organization_id")
    values = data.model_dump()
    values["steps"] = [s.model_dump() for s in data.steps]
    policy = ApprovalPolicy(id=uuid.uuid4(), **values)
    session.add(policy)
    await flush(session)
    await session.refresh(policy)
    await record(
        session,
        principal,
        "create",
        "approval_policy",
        policy.id,
        policy.organization_id,
        policy_snapshot(policy),
    )
    return policy


async def update_policy(
    session: AsyncSession, principal: Principal, policy: ApprovalPolicy, data: PolicyUpdate
) -> ApprovalPolicy:
    before = policy_snapshot(policy)
    for name in data.model_fields_set:
        value = getattr(data, name)
        if value is None:
            continue
        if name == "steps":
            value = [s.model_dump() for s in data.steps or []]
        setattr(policy, name, value)
    await flush(session)
    await session.refresh(policy)
    changes = diff(before, policy_snapshot(policy))
    if changes:
        await record(
            session,
            principal,
            "update",
            "approval_policy",
            policy.id,
            policy.organization_id,
            changes,
        )
    return policy


__all__ = ["Status"]


async def ensure_steps(session: AsyncSession, entry: Entry) -> None:
    """A pending entry has the steps of its current version (after a change sent it back)."""
    if entry.status != Status.PENDING:
        return
    steps = await repo.current_steps(session, entry.id, entry.version)
    if not steps:
        await reopen(session, entry)
        await flush(session)


async def list_policies(
    session: AsyncSession,
    principal: Principal,
    organization_id: uuid.UUID | None,
    page: PageParams,
) -> tuple[list[ApprovalPolicy], str | None]:
    if organization_id is not None:
        await visible_organization(session, principal, organization_id, "organization_id")
    return await repo.list_policies(session, principal, organization_id, page)
