"""Webhook subscriptions and their deliveries. The signing secret is shown once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.common.patterns import NOT_BLANK
from services.directory.domain.webhooks import EVENT_TYPE_PATTERN
from services.directory.schemas.common import Timestamps, reject_null

EventType = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100, pattern=EVENT_TYPE_PATTERN)
]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=50)]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NOT_BLANK
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
DeliveryStatus = Literal["pending", "delivered", "dead"]

EVENT_TYPES_DESCRIPTION = (
    "Event types to receive: exact (`inquiry.created`), every type under a prefix "
    "(`inquiry.*`) or `*` (everything). The types and their payloads are documented in the "
    "spec's `webhooks` section."
)
URL_DESCRIPTION = (
    "Where events are POSTed. https in production; loopback, link-local and private "
    "addresses are refused unless `GOVHUB_WEBHOOK_ALLOW_PRIVATE_TARGETS` is true."
)
EXAMPLE_OUT: dict[str, Any] = {
    "id": "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
    "url": "https://hooks.moh.example/govhub",
    "event_types": ["inquiry.created", "inquiry.status_changed"],
    "description": "منظومة بلاغات وزارة الصحة",
    "active": True,
    "failing_since": None,
    "disabled_at": None,
    "disabled_reason": None,
    "secret_rotated_at": None,
    "previous_secret_expires_at": None,
    "created_at": "2026-01-05T09:00:00+03:00",
    "updated_at": "2026-01-05T09:00:00+03:00",
}


def _unique(value: list[str] | None) -> list[str] | None:
    return None if value is None else list(dict.fromkeys(value))


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.moh.example/govhub",
                    "event_types": ["inquiry.created", "inquiry.status_changed"],
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "description": "منظومة بلاغات وزارة الصحة",
                }
            ]
        },
    )

    url: Url = Field(description=URL_DESCRIPTION)
    event_types: EventTypes = Field(description=EVENT_TYPES_DESCRIPTION)
    organization_id: uuid.UUID = Field(
        description="Events of this organization and of every organization below it."
    )
    description: Description | None = Field(None, examples=["منظومة بلاغات وزارة الصحة"])
    active: bool = True

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str] | None:
        return _unique(value)


class WebhookUpdate(BaseModel):
    """Only the fields sent change; `active: true` re-enables a disabled subscription."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"active": True}, {"event_types": ["inquiry.*"]}]},
    )

    url: Url | None = Field(None, description=URL_DESCRIPTION)
    event_types: EventTypes | None = Field(None, description=EVENT_TYPES_DESCRIPTION)
    description: Description | None = None
    active: bool | None = None

    @field_validator("url", "event_types", "active")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)

    @field_validator("event_types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value)


class WebhookOut(Timestamps):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_OUT]})

    id: uuid.UUID
    organization_id: uuid.UUID = Field(description="Its subtree's events are delivered.")
    url: str
    event_types: list[str]
    description: str | None
    active: bool = Field(
        description="false: nothing is delivered (disabled by hand or after a day of failures)."
    )
    failing_since: datetime | None = Field(
        description="The first failed attempt since the last success; null while healthy."
    )
    disabled_at: datetime | None
    disabled_reason: str | None = Field(
        description="`failing` when the hub disabled it after a day of failures, `manual`.",
        examples=["failing"],
    )
    secret_rotated_at: datetime | None = Field(
        description="When the signing secret was last rotated; null if never."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries carry a second signature made with the secret "
        "before the last rotation; null when there is no overlap."
    )


class WebhookWithSecret(WebhookOut):
    """The answer to a creation or a rotation: the only time the signing secret is shown."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                EXAMPLE_OUT | {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3fq+M6qFiWs="}
            ]
        }
    )

    secret: str | None = Field(
        description="The Standard Webhooks signing secret (`whsec_` + base64), shown once: "
        "verify `webhook-signature` with it. null in an idempotent replay.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3fq+M6qFiWs="],
    )


MAX_OVERLAP_SECONDS = 7 * 24 * 3600


class RotateSecret(BaseModel):
    """How long the secret being replaced keeps signing alongside the new one."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"overlap_seconds": 86400}]}
    )

    overlap_seconds: int = Field(
        86400,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description="Seconds during which every delivery is signed with both the old and "
        "the new secret (two `v1,` signatures in `webhook-signature`), so receivers can "
        "switch at their pace; 0 ends the old secret at once. At most 7 days.",
    )


class DeliveryOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
                    "subscription_id": "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                    "event_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
                    "event_type": "inquiry.created",
                    "status": "pending",
                    "attempts": 2,
                    "response_status": 503,
                    "latency_ms": 41,
                    "last_error": "HTTP 503",
                    "last_attempt_at": "2026-01-05T09:00:05+03:00",
                    "next_attempt_at": "2026-01-05T09:00:15+03:00",
                    "delivered_at": None,
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:05+03:00",
                }
            ]
        }
    )

    id: uuid.UUID = Field(description="Sent as `webhook-id` on every attempt: deduplicate by it.")
    subscription_id: uuid.UUID
    event_id: uuid.UUID = Field(description="The outbox event delivered.")
    event_type: str
    status: DeliveryStatus = Field(
        description="`pending` (waiting for its next attempt), `delivered` (a 2xx answer) or "
        "`dead` (every attempt failed; retry it by hand)."
    )
    attempts: int = Field(description="Attempts made so far.")
    response_status: int | None = Field(description="HTTP status of the last attempt.")
    latency_ms: int | None = Field(description="Duration of the last attempt.")
    last_error: str | None = Field(description="Why the last attempt failed.")
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
