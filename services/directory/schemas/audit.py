"""Entries of the audit trail (every service writes them; the directory serves them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "9b1d3f5a-7c9e-4b2d-8f0a-1c3e5a7b9d0f",
                    "occurred_at": "2026-01-05T09:00:00+03:00",
                    "service": "directory",
                    "actor_id": "5c3e9a55-2f7e-4a1b-8e7c-2b9f3f4e6a10",
                    "actor_type": "user",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "action": "update",
                    "resource_type": "organization",
                    "resource_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "changes": {"name_ar": ["بلدية الأحساء", "أمانة الأحساء"]},
                    "request_id": "4f1b6c0e9a2d4e7f8b3c5a1d2e6f7a8b",
                }
            ]
        },
    )

    id: uuid.UUID
    occurred_at: datetime
    service: str = Field(description="The service that wrote it.")
    actor_id: str | None = Field(description="User id or client_id; null for the system.")
    actor_type: str = Field(description="user, client, system or anonymous.")
    organization_id: uuid.UUID | None = Field(description="The organization it concerns.")
    action: str = Field(description="create, update, disable, enable, move, rotate_secret, …")
    resource_type: str
    resource_id: uuid.UUID | None
    changes: dict[str, Any] = Field(
        description="Created: the values; updated: `{field: [old, new]}`. Never secrets."
    )
    request_id: str | None = Field(description="The `X-Request-ID` of the request.")
