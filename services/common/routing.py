"""The route class every govhub router uses: body checks before parsing, idempotent POSTs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.params import File, Form
from fastapi.routing import APIRoute

from services.common.errors import DomainError
from services.common.idempotency import idempotency

JSON_TYPES = ("application/json",)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media in JSON_TYPES or media.endswith("+json")


class GovhubRoute(APIRoute):
    """Adds the Idempotency-Key dependency to POSTs; answers 415 and bad UTF-8 as problems."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or []}
        if "POST" in methods:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(idempotency)]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        body_params = self.dependant.body_params
        expects_json = bool(body_params) and not any(
            isinstance(p.field_info, (Form, File)) for p in body_params
        )
        if not expects_json:
            return handler  # nothing to check: no wrapper on the way of every read

        async def checked(request: Request) -> Response:
            body = await request.body()
            if body:
                content_type = request.headers.get("content-type", "")
                if not _is_json(content_type):
                    raise DomainError(
                        "أرسل البيانات بصيغة application/json",
                        "Send the body as application/json",
                        "unsupported_media_type",
                        415,
                    )
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise DomainError(
                        "النص ليس بترميز UTF-8 صالح",
                        "The body is not valid UTF-8",
                        "invalid_encoding",
                        400,
                    ) from exc
            return await handler(request)

        return checked
