"""iCalendar feeds: secret-token subscriptions (shown once, kept as SHA-256, revocable)
and the feed itself, with an ETag from the entries' count and latest change."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import OrderedDict, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar.domain import ical
from services.calendar.domain.recurrence import is_hijri
from services.calendar.models import Feed
from services.calendar.repository import directory as directory_repo
from services.calendar.repository import feeds as repo
from services.calendar.repository.base import flush
from services.calendar.schemas.feeds import FeedCreate
from services.calendar.service.common import now, record, visible_organization
from services.common.auth import Principal
from services.common.errors import NotFound

DEFAULT_STATUSES = ("pending", "approved", "done", "suspended", "cancelled")
REFRESH = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(session: AsyncSession, principal: Principal, data: FeedCreate) -> tuple[Feed, str]:
    await visible_organization(session, principal, data.organization_id, "organization_id")
    token = secrets.token_urlsafe(32)
    feed = Feed(
        id=uuid.uuid4(),
        organization_id=data.organization_id,
        name=data.name,
        scope=data.scope,
        kinds=list(data.kinds),
        statuses=list(data.statuses or DEFAULT_STATUSES),
        token_hash=token_hash(token),
        created_by=principal.subject,
    )
    session.add(feed)
    await flush(session)
    await session.refresh(feed)
    await record(
        session,
        principal,
        "create",
        "feed",
        feed.id,
        feed.organization_id,
        {"scope": feed.scope, "kinds": feed.kinds, "statuses": feed.statuses},
    )
    return feed, token


async def revoke(session: AsyncSession, principal: Principal, feed_id: uuid.UUID) -> Feed:
    feed = await get(session, principal, feed_id)
    if feed.revoked_at is None:
        feed.revoked_at = now()
        await flush(session)
        await record(session, principal, "revoke", "feed", feed.id, feed.organization_id, {})
        await session.refresh(feed)
    return feed


async def get(session: AsyncSession, principal: Principal, feed_id: uuid.UUID) -> Feed:
    feed = await repo.get_visible(session, principal, feed_id)
    if feed is None:
        raise NotFound("الاشتراك", "feed")
    return feed


async def list_visible(session: AsyncSession, principal: Principal, page: Any) -> Any:
    return await repo.list_visible(session, principal, page)


async def _where(session: AsyncSession, feed: Feed) -> list[Any]:
    root = await directory_repo.root_of(session, feed.organization_id)
    return repo.entries_where(feed.scope, feed.organization_id, root, feed.kinds, feed.statuses)


async def by_token(session: AsyncSession, token: str) -> Feed:
    feed = await repo.by_token_hash(session, token_hash(token))
    if feed is None:
        raise NotFound("الاشتراك", "feed")
    return feed


async def etag_of(session: AsyncSession, feed: Feed) -> str:
    count, latest = await repo.fingerprint(session, await _where(session, feed))
    raw = f"{feed.id}:{count}:{latest.isoformat() if latest else '-'}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


# the last body of each feed by its ETag (per process): an unchanged feed is one
# fingerprint query, not a load of every entry
_BODIES: OrderedDict[uuid.UUID, tuple[str, bytes]] = OrderedDict()
BODY_CACHE_SIZE = 64


async def render(session: AsyncSession, feed: Feed, tag: str | None = None) -> bytes:
    cached = _BODIES.get(feed.id)
    if tag is not None and cached is not None and cached[0] == tag:
        _BODIES.move_to_end(feed.id)
        return cached[1]
    body = await _render(session, feed)
    if tag is not None:
        _BODIES[feed.id] = (tag, body)
        if len(_BODIES) > BODY_CACHE_SIZE:
            _BODIES.popitem(last=False)
    return body


async def _render(session: AsyncSession, feed: Feed) -> bytes:
    where = await _where(session, feed)
    entries = await repo.entries(session, where)
    overrides: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for o in await repo.overrides(session, where):
        overrides[o.entry_id].append(
            (o.recurrence_id, o.starts_at, o.ends_at, o.start_date, o.end_date, o.cancelled)
        )
    hijri_ids = [e.id for e in entries if is_hijri(e.rrule)]
    occurrences: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in await repo.hijri_occurrences(session, hijri_ids):
        if row.recurrence_id.endswith("Z"):
            start = datetime.strptime(row.recurrence_id, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            occurrences[row.entry_id].append((start, None))
        else:
            day = datetime.strptime(row.recurrence_id, "%Y%m%d").date()
            occurrences[row.entry_id].append((row.starts_at, day))
    items = [
        ical.FeedEntry(
            id=e.id,
            kind=e.kind,
            status=e.status,
            version=e.version,
            title_ar=e.title_ar,
            title_en=e.title_en,
            description_ar=e.description_ar,
            location=e.location,
            all_day=e.all_day,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            start_date=e.start_date,
            end_date=e.end_date,
            timezone=e.timezone,
            rrule=e.rrule,
            hijri=e.id in occurrences or is_hijri(e.rrule),
            exdates=list(e.exdates),
            updated_at=e.updated_at,
            created_at=e.created_at,
            overrides=overrides.get(e.id, []),
            occurrences=occurrences.get(e.id, []),
        )
        for e in entries
    ]
    name = feed.name or "govhub"
    return ical.feed(name, items, REFRESH)


def describe(feed: Feed, url: str | None = None) -> dict[str, Any]:
    return {
        "id": feed.id,
        "organization_id": feed.organization_id,
        "name": feed.name,
        "scope": feed.scope,
        "kinds": list(feed.kinds),
        "statuses": list(feed.statuses),
        "url": url,
        "revoked_at": feed.revoked_at,
        "created_by": feed.created_by,
        "created_at": feed.created_at,
        "updated_at": feed.updated_at,
    }
