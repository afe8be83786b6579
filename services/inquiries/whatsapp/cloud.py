"""The Cloud API's wire format, without I/O: the signature of a webhook POST, the messages
and statuses a notification carries, and the body of a text message to send."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

SIGNATURE_PREFIX = "sha256="
# Meta's customer-service window: free-form messages only within 24 hours of the citizen's
# last message; after it, only approved templates. A margin keeps us off its edge.
SERVICE_WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)
# the Graph API's error when a free-form message is sent outside the window
OUTSIDE_WINDOW_ERROR = 131047
# a template parameter: no new lines or tabs, no more than 4 spaces in a row
TEMPLATE_PARAMETER_CHARS = 1000
_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")
_SPACES = re.compile(r" {4,}")
# media message types: the Graph API keeps the file; we keep its id and type
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")

# what the bytes of each kind of media message may be (sniffed, never as declared)
_IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})
_AUDIO = frozenset(
    {"audio/ogg", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/amr", "audio/aac"}
)
_OFFICE = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
MEDIA_CONTENT_TYPES: dict[str, frozenset[str]] = {
    "image": _IMAGES,
    "sticker": frozenset({"image/webp"}),
    "audio": _AUDIO,
    "video": frozenset({"video/mp4"}),
    "document": frozenset({"application/pdf"}) | _OFFICE | _IMAGES,
}
# extensions of types the hub's upload allow-lists do not name (voice notes)
AUDIO_EXTENSIONS = {"audio/ogg": ".ogg", "audio/amr": ".amr", "audio/aac": ".aac"}
# where the Graph API's media URLs may point (Meta's own hosts), besides its own host
MEDIA_HOST_SUFFIXES = (".fbsbx.com", ".facebook.com", ".whatsapp.net", ".fbcdn.net")


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body under the app secret>`,
    compared in constant time."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix(SIGNATURE_PREFIX).strip().lower())


@dataclass(frozen=True)
class Inbound:
    """One message from a citizen."""

    wamid: str
    phone_number_id: str
    wa_id: str
    profile_name: str | None
    kind: str  # text, image, …, location, or what the API sent (unsupported, reaction …)
    text: str | None
    media_id: str | None = None
    media_type: str | None = None
    filename: str | None = None  # a document's name as the citizen's phone gave it
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery status of a message we sent: sent, delivered, read or failed."""

    wamid: str
    status: str
    error: str | None


def _text_of(message: dict[str, Any], kind: str) -> tuple[str | None, dict[str, Any]]:
    if kind == "text":
        return (message.get("text") or {}).get("body"), {}
    if kind in MEDIA_TYPES:
        media = message.get(kind) or {}
        extra = {
            "media_id": media.get("id"),
            "media_type": media.get("mime_type"),
            "filename": media.get("filename"),
        }
        return media.get("caption") or media.get("filename"), extra
    if kind == "location":
        place = message.get("location") or {}
        label = " — ".join(p for p in (place.get("name"), place.get("address")) if p) or None
        extra = {
            "latitude": place.get("latitude"),
            "longitude": place.get("longitude"),
            "address": label,
        }
        return label, extra
    if kind == "button":
        return (message.get("button") or {}).get("text"), {}
    if kind == "interactive":
        reply = message.get("interactive") or {}
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return chosen.get("title"), {}
    return None, {}


def parse(notification: dict[str, Any]) -> tuple[list[Inbound], list[StatusUpdate]]:
    """The messages and statuses of one webhook notification (`object:
    whatsapp_business_account`); anything else in it is ignored."""
    messages: list[Inbound] = []
    statuses: list[StatusUpdate] = []
    for entry in notification.get("entry") or []:
        for change in entry.get("changes") or []:
            if change.get("field") != "messages":
                continue
            value = change.get("value") or {}
            phone_number_id = str((value.get("metadata") or {}).get("phone_number_id") or "")
            names = {
                str(c.get("wa_id")): (c.get("profile") or {}).get("name")
                for c in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                kind = str(message.get("type") or "unknown")
                wa_id = str(message.get("from") or "")
                if not (message.get("id") and wa_id and phone_number_id):
                    continue
                text, extra = _text_of(message, kind)
                messages.append(
                    Inbound(
                        wamid=str(message["id"]),
                        phone_number_id=phone_number_id,
                        wa_id=wa_id,
                        profile_name=names.get(wa_id),
                        kind=kind,
                        text=text,
                        **extra,
                    )
                )
            for status in value.get("statuses") or []:
                if not (status.get("id") and status.get("status")):
                    continue
                errors = status.get("errors") or []
                error = None
                if errors:
                    first = errors[0]
                    error = f"{first.get('code')}: {first.get('title') or first.get('message')}"
                statuses.append(StatusUpdate(str(status["id"]), str(status["status"]), error))
    return messages, statuses


def text_message(wa_id: str, body: str) -> dict[str, Any]:
    """The Graph API body of a text message to `wa_id` (POST /{phone-number-id}/messages)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": "text",
        "text": {"preview_url": False, "body": body[:4096]},
    }


def within_window(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether a free-form message may still go: the citizen wrote within the last 24 hours
    (less a margin)."""
    return last_inbound is not None and now - last_inbound < SERVICE_WINDOW - WINDOW_MARGIN


def template_parameter(text: str) -> str:
    """`text` as a template's body parameter: one line, no runs of spaces, bounded."""
    flat = _SPACES.sub("   ", _BREAKS.sub(" — ", text.strip()))
    if len(flat) > TEMPLATE_PARAMETER_CHARS:
        flat = flat[: TEMPLATE_PARAMETER_CHARS - 1].rstrip() + "…"
    return flat or "…"


def template_message(wa_id: str, name: str, language_code: str, body: str) -> dict[str, Any]:
    """The Graph API body of an approved template message whose body takes the message as
    its one parameter (`{{1}}`)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": wa_id,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language_code},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": template_parameter(body)}]}
            ],
        },
    }


def error_code(answer: Any) -> int | None:
    """The Graph API error code of an error answer (`{"error": {"code": …}}`)."""
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        code = answer["error"].get("code")
        return code if isinstance(code, int) else None
    return None


def media_url_allowed(url: str, graph_url: str) -> bool:
    """Whether a media URL the Graph API gave may be fetched with the access token: the
    Graph API's own host or one of Meta's, over https unless the Graph API itself is
    reached over http (a stand-in)."""
    target, graph = urlsplit(url), urlsplit(graph_url)
    host = (target.hostname or "").lower()
    if target.scheme not in ("https", graph.scheme) or target.username or target.password:
        return False
    return host == (graph.hostname or "").lower() or host.endswith(MEDIA_HOST_SUFFIXES)
