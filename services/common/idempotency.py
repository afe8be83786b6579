"""`Idempotency-Key` on POST: the first successful response is replayed for retries.

The key is claimed by inserting its row in the request's own transaction. A concurrent
duplicate blocks on the unique index until the first transaction ends, then finds the
stored response and replays it, so two racing retries collapse into one effect. Only
successful responses are stored: a request that failed changed nothing and may be retried.
A key is scoped to its sender (the principal, or the client address when anonymous).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from starlette.types import Message

from services.common.auth import optional_principal
from services.common.db import session_of
from services.common.errors import Conflict, DomainError
from services.common.models import IdempotencyKey
from services.common.transaction import IDEMPOTENCY_STATE_KEY

HEADER = "idempotency-key"
REPLAYED_HEADER = "idempotent-replayed"
_STORED_HEADERS = {"content-type", "location", "etag"}


class Replay(Exception):
    """Carries a stored response back out of the dependency that found it."""

    def __init__(self, record: IdempotencyKey) -> None:
        super().__init__("replay")
        self.record = record


@dataclass
class Claim:
    row_id: uuid.UUID

    async def store(self, session: AsyncSession, start: Message, body: bytes) -> None:
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in start.get("headers", [])
            if k.decode("latin-1").lower() in _STORED_HEADERS
        }
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == self.row_id)
            .values(
                status_code=start["status"],
                response_headers=headers,
                response_body=body.decode("utf-8", errors="replace"),
            )
        )


@dataclass
class RedactingClaim(Claim):
    """Stores the response for replays with `fields` blanked: a secret shown once (a
    client secret, a tracking token) is kept only as a hash, not even in the replay store."""

    fields: tuple[str, ...] = ()

    async def store(self, session: AsyncSession, start: Message, body: bytes) -> None:
        try:
            payload: Any = json.loads(body)
            for name in self.fields:
                payload[name] = None
            body = json.dumps(payload, ensure_ascii=False).encode()
        except (ValueError, TypeError):
            body = b""
        await super().store(session, start, body)


def redact_on_replay(request: Request, *fields: str) -> None:
    """Makes the request's claimed key (if any) store its response with `fields` blanked."""
    state = request.scope.get("state", {})
    claim = state.get(IDEMPOTENCY_STATE_KEY)
    if isinstance(claim, Claim) and not isinstance(claim, RedactingClaim):
        state[IDEMPOTENCY_STATE_KEY] = RedactingClaim(claim.row_id, fields)


def _checked_key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return None
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise DomainError(
            "مفتاح عدم التكرار يجب أن يكون من 1 إلى 200 حرف",
            "Idempotency-Key must be 1 to 200 printable characters",
            "idempotency_key_invalid",
            400,
        )
    return key


def _fingerprint(request: Request, content: bytes) -> str:
    # keyed, so a stored fingerprint of a body that carried a password reveals nothing
    digest = hmac.new(request.app.state.idempotency_secret, digestmod=hashlib.sha256)
    digest.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(content)
    return digest.hexdigest()


async def idempotency(request: Request) -> None:
    """Route dependency for POST: claim the key, or replay / refuse a reused one."""
    key = _checked_key(request)
    if key is None:
        return
    await _claim(request, key, _fingerprint(request, await request.body()))


async def idempotency_for_digest(request: Request, content_digest: str) -> None:
    """`idempotency` for a route that streams its body instead of reading it whole (an
    upload): called once the body is in, with a digest of its content standing for it."""
    key = _checked_key(request)
    if key is not None:
        await _claim(request, key, _fingerprint(request, content_digest.encode()))


async def _claim(request: Request, key: str, request_hash: str) -> None:
    principal = await optional_principal(request)
    if principal is not None:
        owner = f"{principal.kind}:{principal.subject}"
    else:
        owner = f"ip:{request.client.host if request.client else 'unknown'}"

    session = session_of(request)
    row_id = uuid.uuid4()
    inserted = await session.execute(
        insert(IdempotencyKey)
        .values(
            id=row_id,
            owner=owner,
            key=key,
            method=request.method,
            path=request.url.path,
            request_hash=request_hash,
            status_code=0,
            response_headers={},
            response_body="",
        )
        .on_conflict_do_nothing(index_elements=["owner", "key"])
        .returning(IdempotencyKey.id)
    )
    if inserted.scalar_one_or_none() is not None:
        request.scope["state"][IDEMPOTENCY_STATE_KEY] = Claim(row_id)
        return
    record = (
        await session.execute(
            select(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        )
    ).scalar_one()
    if record.request_hash != request_hash:
        raise Conflict(
            "استُخدم هذا المفتاح لطلب مختلف",
            "This Idempotency-Key was used for a different request",
            code="idempotency_key_reused",
        )
    raise Replay(record)


def replay_response(record: IdempotencyKey) -> Response:
    headers = dict(record.response_headers)
    headers[REPLAYED_HEADER] = "true"
    return Response(content=record.response_body, status_code=record.status_code, headers=headers)
