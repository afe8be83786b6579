"""Crisis tagging (S2-2): while a crisis activation of the campaigns service is open, the
inquiries of its organization's subtree whose subject or body contains one of its keywords
(Arabic-normalized: the stored `search_text` against normalized keywords) carry the tag
`crisis:<activation id>` — new ones and those of the 48 hours before the activation.

Driven by events, each handler idempotent (a redelivered event changes nothing):
- `crisis.activated` → the rule is written (keyed on the activation id) and the inquiries
  already in its window are tagged;
- `crisis.closed` → the rule ends at the close time: inquiries created afterwards are not
  tagged, and lose the tag if their own event was handled first (the rule's row lock
  orders a close against a concurrent tagging; a close that arrives before its activation
  fails and is delivered again);
- `inquiry.created` → the new inquiry is tagged by every rule whose window holds its
  creation time (also when the close was processed first: the times decide, not the
  order in which the events arrive).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, literal_column, not_, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, array, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.arabic import like_pattern, normalize
from services.common.orgtree import in_subtree, within
from services.inquiries.models import CrisisRule, Inquiry


class RuleNotOpenYet(RuntimeError):
    """A `crisis.closed` handled before its `crisis.activated`: the event is retried."""


def _matches(keywords: list[str]) -> Any:
    terms = [normalize(k) for k in keywords if normalize(k)]
    return or_(*[Inquiry.search_text.like(like_pattern(t), escape="\\") for t in terms])


_NO_TAGS = cast(literal_column("'{}'"), ARRAY(String()))


def _untagged(tag: str) -> Any:
    return not_(func.coalesce(Inquiry.tags, _NO_TAGS).op("@>", is_comparison=True)(array([tag])))


def _tag(tag: str) -> Any:
    return func.array_append(func.coalesce(Inquiry.tags, _NO_TAGS), tag)


async def open_rule(session: AsyncSession, payload: dict[str, Any]) -> int:
    """Writes the rule of `crisis.activated` and tags its window's inquiries; returns how
    many were tagged."""
    rule_id = uuid.UUID(str(payload["activation_id"]))
    await session.execute(
        insert(CrisisRule)
        .values(
            id=rule_id,
            organization_id=uuid.UUID(str(payload["organization_id"])),
            tag=str(payload["tag"]),
            keywords=[normalize(str(k)) for k in payload.get("keywords") or []],
            window_start=datetime.fromisoformat(str(payload["window_start"])),
            activated_at=datetime.fromisoformat(str(payload["activated_at"])),
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    rule = await session.get(CrisisRule, rule_id)
    if rule is None or not rule.keywords:
        return 0
    conditions = [
        in_subtree(Inquiry.organization_id, rule.organization_id),
        Inquiry.created_at >= rule.window_start,
        _matches(rule.keywords),
        _untagged(rule.tag),
    ]
    if rule.closed_at is not None:
        conditions.append(Inquiry.created_at < rule.closed_at)
    result = await session.execute(
        update(Inquiry)
        .where(*conditions)
        .values(tags=_tag(rule.tag))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def close_rule(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Ends the rule at the close time, and takes its tag off the inquiries created since:
    their `inquiry.created` may have been handled before this event, while the rule still
    looked open."""
    closed_at = datetime.fromisoformat(str(payload["closed_at"]))
    # the rule's row lock orders this against `tag_new` (which holds it shared while it
    # tags): a tag written concurrently is committed before the removal below reads
    rule = (
        await session.execute(
            select(CrisisRule)
            .where(CrisisRule.id == uuid.UUID(str(payload["activation_id"])))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if rule is None:  # its `crisis.activated` is not handled yet: delivered again later
        raise RuleNotOpenYet(str(payload["activation_id"]))
    if rule.closed_at is None:
        rule.closed_at = closed_at
        await session.flush()
    await session.execute(
        update(Inquiry)
        .where(
            in_subtree(Inquiry.organization_id, rule.organization_id),
            Inquiry.created_at >= rule.closed_at,
            func.coalesce(Inquiry.tags, _NO_TAGS).op("@>", is_comparison=True)(array([rule.tag])),
        )
        .values(tags=func.array_remove(Inquiry.tags, rule.tag))
        .execution_options(synchronize_session=False)
    )


async def tag_new(session: AsyncSession, inquiry_id: uuid.UUID) -> int:
    """Tags one inquiry with every rule whose window and scope hold it."""
    row = (
        await session.execute(
            select(Inquiry.organization_id, Inquiry.created_at).where(Inquiry.id == inquiry_id)
        )
    ).one_or_none()
    if row is None:
        return 0
    org_id, created_at = row
    # shared locks on the open rules: a concurrent close waits for this transaction, and
    # one that committed first is seen (the condition is checked again on the locked row)
    rules = await session.scalars(
        select(CrisisRule)
        .where(
            CrisisRule.window_start <= created_at,
            or_(CrisisRule.closed_at.is_(None), CrisisRule.closed_at > created_at),
            within(org_id, CrisisRule.organization_id),
        )
        .with_for_update(read=True, of=CrisisRule)
    )
    tagged = 0
    for rule in rules:
        if not rule.keywords:
            continue
        result = await session.execute(
            update(Inquiry)
            .where(and_(Inquiry.id == inquiry_id, _matches(rule.keywords), _untagged(rule.tag)))
            .values(tags=_tag(rule.tag))
            .execution_options(synchronize_session=False)
        )
        tagged += int(getattr(result, "rowcount", 0) or 0)
    return tagged
