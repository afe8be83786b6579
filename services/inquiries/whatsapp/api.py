"""`/v1/channels/whatsapp/webhook`: the WhatsApp Cloud API webhook (no bearer token: the
GET handshake proves the verify token, every POST is signed with the app secret)."""

from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import Query, Request, Response

from services.common.app import new_router
from services.common.db import SessionDep
from services.common.errors import BadRequest, DomainError, Forbidden, Unauthorized
from services.common.problems import ProblemResponses
from services.inquiries.api.deps import SettingsDep
from services.inquiries.whatsapp import cloud
from services.inquiries.whatsapp import service as whatsapp
from services.inquiries.whatsapp.schemas import NOTIFICATION_EXAMPLE, WebhookAnswer

router = new_router(prefix="/v1/channels/whatsapp", tags=["whatsapp"])


problems = ProblemResponses(
    {
        400: "The body is not a JSON object (problem details).",
        401: "Missing or wrong signature; nothing stored (problem details).",
        403: "Wrong mode or verify token (problem details).",
        503: "The verify token or the app secret is not configured (problem details).",
    }
)


class NotConfigured(DomainError):
    def __init__(self, setting: str) -> None:
        super().__init__(
            "قناة واتساب غير مهيأة",
            f"The WhatsApp channel is not configured ({setting})",
            "whatsapp_not_configured",
            503,
        )


@router.get(
    "/webhook",
    summary="WhatsApp webhook verification",
    description="Meta's handshake when the webhook is registered: with `hub.mode=subscribe` "
    "and the `hub.verify_token` set in `GOVHUB_WHATSAPP_VERIFY_TOKEN`, answers "
    "`hub.challenge` as plain text; 403 otherwise.",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"example": "1158201444"}},
            "description": "The challenge.",
        },
        **problems(403, 503),
    },
)
async def verify_webhook(
    settings: SettingsDep,
    mode: Annotated[str | None, Query(alias="hub.mode", examples=["subscribe"])] = None,
    verify_token: Annotated[str | None, Query(alias="hub.verify_token", max_length=500)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=500)] = None,
) -> Response:
    expected = settings.whatsapp_verify_token
    if not expected:
        raise NotConfigured("GOVHUB_WHATSAPP_VERIFY_TOKEN")
    if (
        mode != "subscribe"
        or challenge is None
        or not hmac.compare_digest((verify_token or "").encode(), expected.encode())
    ):
        raise Forbidden("رمز التحقق غير صحيح", "Wrong verify token")
    return Response(challenge, media_type="text/plain")


@router.post(
    "/webhook",
    summary="WhatsApp notifications (messages and statuses)",
    description="What the WhatsApp Cloud API posts: the raw body must carry "
    "`X-Hub-Signature-256: sha256=<HMAC-SHA256 under the app secret>` "
    "(`GOVHUB_WHATSAPP_APP_SECRET`), checked in constant time; a missing or wrong signature "
    "answers 401 and nothing is stored. Each message (text, media, location …) opens an "
    "inquiry on the `whatsapp` channel of the organization whose active `whatsapp` channel "
    "has the phone number id as its `handle`, or joins the sender's open inquiry on that "
    "number; a message id seen before changes nothing (Meta redelivers). Statuses of the "
    "replies sent (`sent`, `delivered`, `read`, `failed`) go to the inquiry's history.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": True},
                    "example": NOTIFICATION_EXAMPLE,
                }
            },
        },
        "parameters": [
            {
                "name": "X-Hub-Signature-256",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "`sha256=` and the hex HMAC-SHA256 of the raw body.",
            }
        ],
    },
    responses=problems(400, 401, 503),
)
async def receive_webhook(
    request: Request, session: SessionDep, settings: SettingsDep
) -> WebhookAnswer:
    secret = settings.whatsapp_app_secret
    if not secret:
        raise NotConfigured("GOVHUB_WHATSAPP_APP_SECRET")
    raw = await request.body()
    if not cloud.signature_valid(secret, raw, request.headers.get("x-hub-signature-256")):
        raise Unauthorized(
            "توقيع واتساب غير صحيح", "Bad X-Hub-Signature-256", code="invalid_signature"
        )
    try:
        notification = json.loads(raw)
    except ValueError as exc:
        raise BadRequest("الطلب ليس JSON صالحاً", "The body is not JSON") from exc
    if not isinstance(notification, dict):
        raise BadRequest("الطلب ليس كائن JSON", "The body is not a JSON object")
    messages, statuses = cloud.parse(notification)
    answer = WebhookAnswer()
    memory = getattr(request.app.state, "intake_memory", None)
    for message in messages:
        outcome = await whatsapp.receive_message(session, message, memory)
        setattr(answer, outcome, getattr(answer, outcome) + 1)
    for update in statuses:
        answer.statuses += int(await whatsapp.record_status(session, update))
    return answer
