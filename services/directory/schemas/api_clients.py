"""Machine clients of other ministries. The secret is shown once, never stored in clear."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.common.patterns import NOT_BLANK
from services.common.permissions import Scope
from services.directory.schemas.common import Timestamps, reject_null

ClientName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NOT_BLANK
]
Scopes = Annotated[list[Scope], Field(min_length=1, max_length=8)]
SCOPES_DESCRIPTION = (
    "What the client may do: inquiries:read, inquiries:write, calendar:read, calendar:write, "
    "campaigns:read, campaigns:write, directory:read, directory:write. It sees only its "
    "organization and what is below it."
)


def _unique(value: list[Scope] | None) -> list[Scope] | None:
    return None if value is None else list(dict.fromkeys(value))


class ApiClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "نظام بلاغات وزارة الصحة",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "scopes": ["inquiries:read", "inquiries:write"],
                }
            ]
        },
    )

    name: ClientName = Field(
        description="What system this is.", examples=["نظام بلاغات وزارة الصحة"]
    )
    organization_id: uuid.UUID = Field(description="The organization the client acts for.")
    scopes: Scopes = Field(description=SCOPES_DESCRIPTION)
    active: bool = True

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[Scope]) -> list[Scope] | None:
        return _unique(value)


class ApiClientUpdate(BaseModel):
    """Only the fields sent change; `active: false` disables the client (no new tokens)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    name: ClientName | None = None
    scopes: Scopes | None = Field(None, description=SCOPES_DESCRIPTION)
    active: bool | None = None

    @field_validator("name", "scopes", "active")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[Scope] | None) -> list[Scope] | None:
        return _unique(value)


class ApiClientOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "7a0c6b1e-3d2f-4e59-a8b7-1c2d3e4f5a6b",
                    "client_id": "ghc_5f0e3b2a9c8d7e6f1a2b3c4d",
                    "name": "نظام بلاغات وزارة الصحة",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "scopes": ["inquiries:read", "inquiries:write"],
                    "active": True,
                    "secret_rotated_at": None,
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    client_id: str = Field(description="Send as `client_id` to the token endpoint.")
    name: str
    organization_id: uuid.UUID
    scopes: list[Scope]
    active: bool
    secret_rotated_at: datetime | None


class ApiClientWithSecret(ApiClientOut):
    """Answer to a creation or a rotation: the only time the secret is shown."""

    client_secret: str | None = Field(
        description="256-bit secret, shown once: keep it now. null when this is an idempotent "
        "replay of the original response (rotate the secret if it was lost).",
        examples=["mF3q0Yl6dM8bX1o9cQy7Zk2nW4rT5uV6aB8cD0eF1gH"],
    )
