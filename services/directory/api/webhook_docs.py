"""The OpenAPI spec's `webhooks` section: one POST per event type of the catalog
(`services.common.event_catalog`), with the schema of the body a subscriber receives."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field, create_model
from pydantic.json_schema import models_json_schema

from services.common.event_catalog import EVENT_TYPES


def with_webhooks(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Wraps `app.openapi` so that its document carries the `webhooks` section."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        spec = original()
        if "webhooks" not in spec:
            add_webhooks(spec)
        return spec

    return openapi


def webhook_event_models() -> dict[str, type[BaseModel]]:
    """Event type → the model of the body a subscriber receives for it."""
    models: dict[str, type[BaseModel]] = {}
    for event_type, doc in EVENT_TYPES.items():
        # one body schema per type (types may share a `data` model), e.g.
        # `campaign.flight.scheduled` → CampaignFlightScheduledEvent
        name = "".join(part.title() for part in event_type.replace(".", "_").split("_")) + "Event"
        models[event_type] = create_model(
            name,
            __base__=WebhookEnvelope,
            __doc__=f"The body of a `{event_type}` delivery.",
            type=(Literal[event_type], Field(description="The event type.")),  # type: ignore[arg-type]
            data=(doc.data, Field(description=doc.description)),
        )
    return models


def add_webhooks(spec: dict[str, Any]) -> None:
    """The `webhooks` section: one POST per event type, its body's schema in components."""
    models = webhook_event_models()
    _, definitions = models_json_schema(
        [(model, "validation") for model in models.values()],
        ref_template="#/components/schemas/{model}",
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in definitions.get("$defs", {}).items():
        schemas.setdefault(name, schema)
    hooks = spec.setdefault("webhooks", {})
    for event_type, model in models.items():
        doc = EVENT_TYPES[event_type]
        hooks[event_type] = {
            "post": {
                "summary": doc.summary,
                "description": doc.description + WEBHOOK_DELIVERY_NOTE,
                "operationId": "webhook_" + event_type.replace(".", "_"),
                "tags": ["webhooks"],
                "parameters": WEBHOOK_HEADERS,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                        }
                    },
                },
                "responses": {
                    "2XX": {"description": "Received: any 2xx ends the delivery."},
                    "default": {
                        "description": "Anything else (or no answer within the timeout) is "
                        "retried with exponential backoff."
                    },
                },
            }
        }


class WebhookEnvelope(BaseModel):
    id: uuid.UUID = Field(description="The event's id (the same for every subscriber).")
    timestamp: datetime = Field(description="When the hub fanned the event out.")
    organization_id: uuid.UUID | None = Field(description="The organization it happened in.")


WEBHOOK_DELIVERY_NOTE = (
    "\n\nSigned per Standard Webhooks: verify `webhook-signature` over "
    "`{webhook-id}.{webhook-timestamp}.{body}` with the subscription's `whsec_` secret (any "
    "Standard Webhooks library does it). Delivered at least once: deduplicate by `webhook-id`."
)
WEBHOOK_HEADERS = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "description": "The delivery's id, the same on every attempt.",
        "schema": {"type": "string"},
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "description": "Unix seconds of this attempt.",
        "schema": {"type": "string"},
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "description": "`v1,` and the base64 HMAC-SHA256 signature.",
        "schema": {"type": "string"},
    },
]
