"""413 for bodies over the limit, checked from Content-Length and while streaming."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.errors import PROBLEM_JSON, PayloadTooLarge

ATTACHMENTS_PATH = "/v1/attachments"


def limit_for(path: str, default: int, imports: int, attachments: int | None = None) -> int:
    trimmed = path.rstrip("/")
    if attachments is not None and trimmed == ATTACHMENTS_PATH:
        return attachments
    return imports if trimmed.endswith("/imports") else default


async def send_too_large(send: Send, limit: int) -> None:
    body = json.dumps(PayloadTooLarge(limit).to_problem(), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        default_limit: int,
        import_limit: int,
        attachment_limit: int | None = None,
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.import_limit = import_limit
        self.attachment_limit = attachment_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(
            scope["path"], self.default_limit, self.import_limit, self.attachment_limit
        )
        has_body = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await send_too_large(send, limit)
                    return
                has_body = has_body or declared > 0
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:  # most reads: nothing to count, no wrappers on their way
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await send_too_large(send, limit)
