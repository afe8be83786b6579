"""Webhook rules without I/O: which subscriptions an event type matches, what a target may
be, what a payload may carry, when to try again, and the secret's form."""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
SECRET_BYTES = 32
MAX_BACKOFF_SECONDS = 6 * 3600.0

# an exact type (`inquiry.created`), every type under a prefix (`inquiry.*`), or `*`
EVENT_TYPE_PATTERN = r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$"
_EVENT_TYPE = re.compile(EVENT_TYPE_PATTERN)

# keys that would carry a citizen's contact details; removed at any depth of a payload
CONTACT_KEYS = frozenset(
    {
        "contact",
        "contact_name",
        "contact_phone",
        "contact_email",
        "name",
        "phone",
        "phone_number",
        "email",
        "wa_id",
        "tracking_token",
    }
)
# `name` is contact only inside an object that also has a phone or an e-mail
_NAME_ONLY_WITH = frozenset({"phone", "email", "phone_number", "wa_id"})


class TargetRefused(ValueError):
    """A webhook URL that may not be called; `reason` is a stable word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def valid_event_type(value: str) -> bool:
    return bool(_EVENT_TYPE.match(value))


def patterns_matching(event_type: str) -> list[str]:
    """The subscription entries that select `event_type`: `*`, each prefix's `…*`, itself.
    `calendar.entry.approved` → `*`, `calendar.*`, `calendar.entry.*`,
    `calendar.entry.approved`."""
    parts = event_type.split(".")
    return ["*", *(".".join(parts[:n]) + ".*" for n in range(1, len(parts))), event_type]


def matches(selected: Iterable[str], event_type: str) -> bool:
    return not set(selected).isdisjoint(patterns_matching(event_type))


def backoff_seconds(attempt: int, base: float) -> float:
    """The delay before attempt `attempt + 1`: base, 2×base, 4×base … at most 6 hours."""
    return float(min(base * 2 ** max(attempt - 1, 0), MAX_BACKOFF_SECONDS))


def check_url(url: str, *, allow_private: bool, require_https: bool) -> str:
    """The URL's host, or `TargetRefused`: http(s) only (https when required), no
    credentials in it, and no address that is loopback, link-local, private, multicast,
    reserved or unspecified unless private targets are allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http"):
        raise TargetRefused("scheme", "the URL must be http or https")
    if require_https and parts.scheme != "https":
        raise TargetRefused("scheme", "the URL must be https")
    if parts.username or parts.password:
        raise TargetRefused("credentials", "the URL may not carry credentials")
    host = parts.hostname
    if not host:
        raise TargetRefused("host", "the URL has no host")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        raise TargetRefused("port", "the URL's port is not valid") from exc
    if not allow_private:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise TargetRefused("private_address", "the URL names a local host")
        literal = _ip_literal(host)
        if literal is not None:
            check_address(literal, allow_private=False)
    return host


def _ip_literal(host: str) -> str | None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host


def check_address(address: str, *, allow_private: bool) -> None:
    """`TargetRefused` for an address no webhook may reach (checked again on every attempt
    against what the host name resolves to, so a name cannot point inside later)."""
    if allow_private:
        return
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        raise TargetRefused("private_address", f"the target resolves to {ip}, not public")


def pinned_url(url: str, address: str) -> tuple[str, str, str | None]:
    """(the URL with its host replaced by `address`, the `Host` header, the TLS server name):
    the connection goes to the address that was checked, while the receiver still sees its
    own name (virtual hosts) and its certificate is verified against that name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = host if ":" not in host else f"[{host}]"
    if parts.port is not None:
        host_header = f"{host_header}:{parts.port}"
    return target, host_header, host if parts.scheme == "https" else None


def scrub(value: Any) -> Any:
    """The payload without contact details at any depth (see CONTACT_KEYS)."""
    if isinstance(value, dict):
        has_contact = not _NAME_ONLY_WITH.isdisjoint(value)
        return {
            key: scrub(item)
            for key, item in value.items()
            if key not in CONTACT_KEYS or (key == "name" and not has_contact)
        }
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value
