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

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.arabic import normalize
from services.inquiries.repository import crisis as repository


class RuleNotOpenYet(RuntimeError):
    """A `crisis.closed` handled before its `crisis.activated`: the event is retried."""


async def open_rule(session: AsyncSession, payload: dict[str, Any]) -> int:
    """Writes the rule of `crisis.activated` and tags its window's inquiries; returns how
    many were tagged."""
    rule_id = uuid.UUID(str(payload["activation_id"]))
    await repository.add_rule(
        session,
        id=rule_id,
        organization_id=uuid.UUID(str(payload["organization_id"])),
        tag=str(payload["tag"]),
        keywords=[normalize(str(k)) for k in payload.get("keywords") or []],
        window_start=datetime.fromisoformat(str(payload["window_start"])),
        activated_at=datetime.fromisoformat(str(payload["activated_at"])),
    )
    rule = await repository.get_rule(session, rule_id)
    if rule is None or not rule.keywords:
        return 0
    return await repository.tag_window(session, rule)


async def close_rule(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Ends the rule at the close time, and takes its tag off the inquiries created since:
    their `inquiry.created` may have been handled before this event, while the rule still
    looked open."""
    closed_at = datetime.fromisoformat(str(payload["closed_at"]))
    # the rule's row lock orders this against `tag_new` (which holds it shared while it
    # tags): a tag written concurrently is committed before the removal below reads
    rule = await repository.lock_rule(session, uuid.UUID(str(payload["activation_id"])))
    if rule is None:  # its `crisis.activated` is not handled yet: delivered again later
        raise RuleNotOpenYet(str(payload["activation_id"]))
    if rule.closed_at is None:
        rule.closed_at = closed_at
        await session.flush()
    await repository.untag_since_close(session, rule)


async def tag_new(session: AsyncSession, inquiry_id: uuid.UUID) -> int:
    """Tags one inquiry with every rule whose window and scope hold it."""
    origin = await repository.origin_of(session, inquiry_id)
    if origin is None:
        return 0
    org_id, created_at = origin
    # shared locks on the open rules: a concurrent close waits for this transaction, and
    # one that committed first is seen (the condition is checked again on the locked row)
    tagged = 0
    for rule in await repository.lock_rules_holding(session, org_id, created_at):
        if rule.keywords:
            tagged += await repository.tag_one(session, inquiry_id, rule)
    return tagged
