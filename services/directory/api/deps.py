"""Dependencies of the directory's routers: the process-wide helpers, and not replaying
secrets through `Idempotency-Key`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message

from services.common.idempotency import Claim
from services.common.routing import GovhubRoute
from services.common.transaction import IDEMPOTENCY_STATE_KEY
from services.directory.passwords import Passwords
from services.directory.service.tokens import TokenContext


async def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


async def get_token_context(request: Request) -> TokenContext:
    state = request.app.state
    return TokenContext(
        settings=state.settings,
        signing_key=state.signing_key,
        passwords=state.passwords,
        sessionmaker=state.sessionmaker,
    )


PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
TokenContextDep = Annotated[TokenContext, Depends(get_token_context)]


class SecretRedactingClaim(Claim):
    """Stores the response for `Idempotency-Key` replays with `client_secret` blanked: the
    secret is shown once, and never kept in clear, not even in the replay store."""

    async def store(self, session: AsyncSession, start: Message, body: bytes) -> None:
        try:
            payload: Any = json.loads(body)
            payload["client_secret"] = None
            body = json.dumps(payload, ensure_ascii=False).encode()
        except (ValueError, TypeError):
            body = b""
        await super().store(session, start, body)


def redact_secret_on_replay(request: Request) -> None:
    state = request.scope.get("state", {})
    claim = state.get(IDEMPOTENCY_STATE_KEY)
    if isinstance(claim, Claim):
        state[IDEMPOTENCY_STATE_KEY] = SecretRedactingClaim(claim.row_id)


class NoReplayRoute(GovhubRoute):
    """A POST without the `Idempotency-Key` dependency, for requests that carry passwords
    or answers that are credentials (the token endpoint, changing one's password): nothing
    of them is stored, and a retry simply runs again. The body checks of `GovhubRoute`
    (415, UTF-8) still apply."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        APIRoute.__init__(self, path, endpoint, **kwargs)
