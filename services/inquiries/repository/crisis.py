"""The SQL of crisis tagging (`service/crisis.py` holds the rules): the rules written
from the campaigns service's events, and the `crisis:<activation id>` tags they put on the
matching inquiries (Arabic-normalized `search_text` against normalized keywords)."""

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


def _matches(keywords: list[str]) -> Any:
    terms = [normalize(k) for k in keywords if normalize(k)]
    return or_(*[Inquiry.search_text.like(like_pattern(t), escape="\\") for t in terms])


_NO_TAGS = cast(literal_column("'{}'"), ARRAY(String()))


def _has(tag: str) -> Any:
    return func.coalesce(Inquiry.tags, _NO_TAGS).op("@>", is_comparison=True)(array([tag]))


def _tag(tag: str) -> Any:
    return func.array_append(func.coalesce(Inquiry.tags, _NO_TAGS), tag)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def add_rule(session: AsyncSession, **values: Any) -> None:
    """Writes a rule once (keyed on the activation id: a redelivered event adds nothing)."""
    await session.execute(
        insert(CrisisRule).values(**values).on_conflict_do_nothing(index_elements=["id"])
    )


async def get_rule(session: AsyncSession, rule_id: uuid.UUID) -> CrisisRule | None:
    return await session.get(CrisisRule, rule_id)


async def lock_rule(session: AsyncSession, rule_id: uuid.UUID) -> CrisisRule | None:
    """The rule, locked for update (a close against concurrent taggings)."""
    return (
        await session.execute(select(CrisisRule).where(CrisisRule.id == rule_id).with_for_update())
    ).scalar_one_or_none()


async def tag_window(session: AsyncSession, rule: CrisisRule) -> int:
    """Tags the untagged inquiries of the rule's subtree and window that match its keywords."""
    conditions = [
        in_subtree(Inquiry.organization_id, rule.organization_id),
        Inquiry.created_at >= rule.window_start,
        _matches(rule.keywords),
        not_(_has(rule.tag)),
    ]
    if rule.closed_at is not None:
        conditions.append(Inquiry.created_at < rule.closed_at)
    result = await session.execute(
        update(Inquiry)
        .where(*conditions)
        .values(tags=_tag(rule.tag))
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)


async def untag_since_close(session: AsyncSession, rule: CrisisRule) -> None:
    """Takes the rule's tag off its subtree's inquiries created at or after its close."""
    await session.execute(
        update(Inquiry)
        .where(
            in_subtree(Inquiry.organization_id, rule.organization_id),
            Inquiry.created_at >= rule.closed_at,
            _has(rule.tag),
        )
        .values(tags=func.array_remove(Inquiry.tags, rule.tag))
        .execution_options(synchronize_session=False)
    )


async def origin_of(
    session: AsyncSession, inquiry_id: uuid.UUID
) -> tuple[uuid.UUID, datetime] | None:
    """An inquiry's organization and creation time."""
    row = (
        await session.execute(
            select(Inquiry.organization_id, Inquiry.created_at).where(Inquiry.id == inquiry_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


async def lock_rules_holding(
    session: AsyncSession, org_id: uuid.UUID, created_at: datetime
) -> list[CrisisRule]:
    """The rules whose window and scope hold an inquiry of `org_id` created at
    `created_at`, under shared locks."""
    rules = await session.scalars(
        select(CrisisRule)
        .where(
            CrisisRule.window_start <= created_at,
            or_(CrisisRule.closed_at.is_(None), CrisisRule.closed_at > created_at),
            within(org_id, CrisisRule.organization_id),
        )
        .with_for_update(read=True, of=CrisisRule)
    )
    return list(rules)


async def tag_one(session: AsyncSession, inquiry_id: uuid.UUID, rule: CrisisRule) -> int:
    """Tags one inquiry with the rule when it matches and is not tagged yet."""
    result = await session.execute(
        update(Inquiry)
        .where(and_(Inquiry.id == inquiry_id, _matches(rule.keywords), not_(_has(rule.tag))))
        .values(tags=_tag(rule.tag))
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result)
