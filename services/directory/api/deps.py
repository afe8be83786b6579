"""Dependencies of the directory's routers: the process-wide helpers, and not replaying
secrets through `Idempotency-Key`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from services.common.idempotency import redact_on_replay
from services.common.routing import GovhubRoute
from services.directory.service.passwords import Passwords
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
        autocommit=state.read_sessionmaker,
    )


PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
TokenContextDep = Annotated[TokenContext, Depends(get_token_context)]


def redact_secret_on_replay(request: Request) -> None:
    """The client secret is shown once: never kept in clear, not even for replays."""
    redact_on_replay(request, "client_secret")


class NoReplayRoute(GovhubRoute):
    """A POST without the `Idempotency-Key` dependency, for requests that carry passwords
    or answers that are credentials (the token endpoint, changing one's password): nothing
    of them is stored, and a retry simply runs again. The body checks of `GovhubRoute`
    (415, UTF-8) still apply."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        APIRoute.__init__(self, path, endpoint, **kwargs)
