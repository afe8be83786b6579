"""The request owns the transaction.

The session is opened on first use (`db.session_of`). Reads run in autocommit (see
`db.py`) and the session is closed at the end. Writes (POST, PUT, PATCH, DELETE)
buffer the response, commit when it is a success (status < 400) and roll back otherwise,
and only then send it: a client never sees 201 for a change that did not commit. A
successful response to a POST with an `Idempotency-Key` is stored in the same
transaction (see `idempotency.py`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.db import SESSION_FACTORY_KEY, SESSION_STATE_KEY
from services.common.errors import PROBLEM_JSON, problem_body
from services.common.outage import DatabaseUnavailable, is_database_unavailable, outage_log

logger = logging.getLogger("govhub.db")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IDEMPOTENCY_STATE_KEY = "govhub_idempotency_claim"


class TransactionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app_state = scope["app"].state
        state = scope.setdefault("state", {})
        if scope["method"] not in WRITE_METHODS:
            state[SESSION_FACTORY_KEY] = app_state.read_sessionmaker
            if outage_log.since is not None:  # during an outage: notice its end
                await self._read_watching_outage(scope, receive, send, state)
                return
            try:
                await self.app(scope, receive, send)
            finally:
                await _close(state)
            return

        state[SESSION_FACTORY_KEY] = app_state.sessionmaker
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffer(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, buffer)
        except BaseException:
            await _close(state)
            raise
        assert start is not None, "the app sent no response"
        body = b"".join(chunks)
        session = state.get(SESSION_STATE_KEY)
        try:
            if session is not None and start["status"] < 400:
                claim = state.get(IDEMPOTENCY_STATE_KEY)
                try:
                    if claim is not None:
                        await claim.store(session, start, body)
                    await session.commit()
                except (IntegrityError, DBAPIError) as exc:
                    await _rollback(session)
                    start, body = _commit_failure(exc, scope["path"])
                else:
                    if outage_log.since is not None:
                        outage_log.recovered()
        finally:
            await _close(state)
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _read_watching_outage(
        self, scope: Scope, receive: Receive, send: Send, state: dict[str, Any]
    ) -> None:
        """A read while the database is known to be down: a success that used the
        database ends the outage (and its log)."""
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            await _close(state)
        if status < 500 and state.get(_USED_KEY):
            outage_log.recovered()


_USED_KEY = "govhub_session_used"


async def _close(state: dict[str, Any]) -> None:
    """Rolls back whatever was not committed and returns the connection to the pool (a
    connection the database dropped is discarded by the pool, never raised here)."""
    session = state.pop(SESSION_STATE_KEY, None)
    if session is not None:
        state[_USED_KEY] = True
        try:
            await session.close()
        except Exception as exc:
            if not is_database_unavailable(exc):
                raise


async def _rollback(session: Any) -> None:
    try:
        await session.rollback()
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise


def _commit_failure(exc: Exception, path: str) -> tuple[Message, bytes]:
    """A commit refused by the database: a conflict for constraint or serialization errors,
    503 when the database went away (the client cannot know whether the commit landed: it
    retries with the same Idempotency-Key, which replays the write if it did)."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    headers: list[tuple[bytes, bytes]] = []
    if sqlstate.startswith("23") or sqlstate in {"40001", "40P01"}:
        payload: dict[str, Any] = problem_body(409, "conflict")
    elif is_database_unavailable(exc):
        outage_log.failed(exc, path)
        unavailable = DatabaseUnavailable()
        payload = unavailable.to_problem()
        headers = [(k.lower().encode(), v.encode()) for k, v in unavailable.headers.items()]
    else:
        logger.exception("commit failed")
        payload = problem_body(500, "internal_error")
    body = json.dumps(payload, ensure_ascii=False).encode()
    start: Message = {
        "type": "http.response.start",
        "status": payload["status"],
        "headers": [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    return start, body
