"""Who carries a notification: an HTTP SMS gateway, SMTP, or the log (for `make run`, and
whenever the medium is not configured). WhatsApp goes through `whatsapp.service`."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx

from services.common.settings import GovhubSettings

logger = logging.getLogger("govhub.notifications")


class SendFailed(Exception):
    """The medium refused or could not be reached: worth trying again later."""


@dataclass(frozen=True)
class Outgoing:
    recipient: str
    subject: str | None
    body: str
    language: str


class Sender(Protocol):
    name: str

    async def send(self, message: Outgoing) -> str | None:
        """Sends it (raises SendFailed); returns the provider's id when it gives one."""
        ...


def masked(recipient: str) -> str:
    """Enough of a contact to recognize it in a log line, not to use it."""
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{recipient[:4]}***{recipient[-2:]}"


class LoggingSender:
    name = "log"

    async def send(self, message: Outgoing) -> str | None:
        logger.info(
            "notification to %s (%s): %s",
            masked(message.recipient),
            message.language,
            message.body,
        )
        return None


class SmsGatewaySender:
    name = "sms"

    def __init__(self, settings: GovhubSettings) -> None:
        assert settings.sms_gateway_url
        self.url = settings.sms_gateway_url
        self.token = settings.sms_gateway_token
        self.sender_id = settings.sms_sender_id

    async def send(self, message: Outgoing) -> str | None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload = {"to": message.recipient, "from": self.sender_id, "text": message.body}
        try:
            async with httpx.AsyncClient(timeout=15.0, trust_env=False) as client:
                response = await client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code // 100 != 2:
            raise SendFailed(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            found = response.json().get("id")
        except (ValueError, AttributeError):
            found = None
        return str(found) if found else None


class SmtpSender:
    name = "email"

    def __init__(self, settings: GovhubSettings) -> None:
        assert settings.smtp_host
        self.settings = settings

    def _send(self, message: Outgoing) -> None:
        settings = self.settings
        email = EmailMessage()
        email["From"] = settings.smtp_from
        email["To"] = message.recipient
        email["Subject"] = message.subject or ""
        email["Content-Language"] = message.language
        email.set_content(message.body)
        assert settings.smtp_host
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(email)

    async def send(self, message: Outgoing) -> str | None:
        try:
            await asyncio.to_thread(self._send, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc
        return None


def sender_for(medium: str, settings: GovhubSettings) -> Sender:
    if medium == "sms" and settings.sms_gateway_url:
        return SmsGatewaySender(settings)
    if medium == "email" and settings.smtp_host:
        return SmtpSender(settings)
    return LoggingSender()
