"""Dependencies of the calendar's routers: not replaying feed secrets."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from services.common.idempotency import Claim
from services.common.transaction import IDEMPOTENCY_STATE_KEY


class UrlRedactingClaim(Claim):
    """Stores a feed's 201 for `Idempotency-Key` replays with `url` blanked: the token in
    it is shown once and kept nowhere in clear."""

    async def store(self, session: AsyncSession, start: Message, body: bytes) -> None:
        try:
            payload: Any = json.loads(body)
            payload["url"] = None
            body = json.dumps(payload, ensure_ascii=False).encode()
        except (ValueError, TypeError):
            body = b""
        await super().store(session, start, body)


def redact_url_on_replay(request: Request) -> None:
    state = request.scope.get("state", {})
    claim = state.get(IDEMPOTENCY_STATE_KEY)
    if isinstance(claim, Claim):
        state[IDEMPOTENCY_STATE_KEY] = UrlRedactingClaim(claim.row_id)
