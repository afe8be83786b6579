"""Notifications as the WhatsApp Cloud API posts them, and their signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

APP_SECRET = "test-app-secret-7d1f"
VERIFY_TOKEN = "govhub-verify-2026"
ACCESS_TOKEN = "EAAG-test-token"
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "966501234567"


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def notification(value: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "966112345678", "phone_number_id": phone_number_id},
        **value,
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body, ensure_ascii=False).encode()


def text_message(wamid: str, text: str, wa_id: str = WA_ID, name: str = "محمد", **kw: Any) -> bytes:
    return notification(
        {
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid,
                    "timestamp": "1767600000",
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        },
        **kw,
    )


def message(wamid: str, kind: str, content: dict[str, Any], wa_id: str = WA_ID) -> bytes:
    return notification(
        {
            "contacts": [{"profile": {"name": "محمد"}, "wa_id": wa_id}],
            "messages": [
                {"from": wa_id, "id": wamid, "timestamp": "1767600000", "type": kind, kind: content}
            ],
        }
    )


def status(wamid: str, state: str, wa_id: str = WA_ID) -> bytes:
    return notification(
        {
            "statuses": [
                {"id": wamid, "status": state, "timestamp": "1767600100", "recipient_id": wa_id}
            ]
        }
    )
