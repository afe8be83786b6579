"""Staff users. No model here has a field for a password hash."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.common.patterns import NOT_BLANK, USERNAME, SchemaFormat, SchemaPattern
from services.common.permissions import Role
from services.directory.domain.passwords import PASSWORD_MAX_LENGTH, STRENGTH_RULE_EN
from services.directory.schemas.common import (
    Timestamps,
    check_email,
    check_phone,
    check_username,
    reject_null,
)

Username = Annotated[str, Field(max_length=120), SchemaPattern(USERNAME)]
Email = Annotated[str, Field(max_length=320), SchemaFormat("email")]
FullName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NOT_BLANK
]
Password = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)]
Roles = Annotated[list[Role], Field(max_length=6)]

ROLES_DESCRIPTION = (
    "Subset of agent, coordinator (منسق الاتصال الحكومي), spokesperson (المتحدث الرسمي), "
    "unit_head, org_admin, sector_admin. An org_admin grants any role but sector_admin; only "
    "a sector_admin grants sector_admin; a machine client grants no administrator role."
)
PASSWORD_DESCRIPTION = f"{STRENGTH_RULE_EN}. Stored only as an Argon2id hash."
PHONE_DESCRIPTION = (
    "Phone number; stored in E.164. A number without a country code is read as Saudi."
)


class _Contact(BaseModel):
    @field_validator("email", check_fields=False)
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return check_email(value)

    @field_validator("phone", check_fields=False)
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return check_phone(value)

    @field_validator("username", check_fields=False)
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return check_username(value)

    @field_validator("roles", check_fields=False)
    @classmethod
    def _unique_roles(cls, value: list[Role] | None) -> list[Role] | None:
        return None if value is None else list(dict.fromkeys(value))


class UserCreate(_Contact):
    """A new staff member of one organization."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "alahsa.agent2",
                    "full_name_ar": "فاطمة بنت علي الحربي",
                    "full_name_en": "Fatimah Ali Al-Harbi",
                    "email": "f.alharbi@alahsa.example.sa",
                    "phone": "0501234567",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "roles": ["agent"],
                    "password": "Nakheel-2026-Ahsa",
                }
            ]
        },
    )

    username: Username = Field(
        description="Sign-in name: 3–100 of a–z, 0–9, `.`, `_`, `-` (stored lower-case; unique).",
        examples=["riyadh.agent"],
    )
    full_name_ar: FullName = Field(description="Full name in Arabic.", examples=["محمد العتيبي"])
    full_name_en: FullName | None = Field(
        None, description="Full name in English.", examples=["Mohammed Al-Otaibi"]
    )
    email: Email | None = Field(None, description="E-mail address.")
    phone: str | None = Field(None, max_length=40, description=PHONE_DESCRIPTION)
    organization_id: uuid.UUID = Field(description="The organization the user works for.")
    roles: Roles = Field(default_factory=list, description=ROLES_DESCRIPTION)
    password: Password | None = Field(
        None,
        description=PASSWORD_DESCRIPTION + " Optional: without one the user cannot sign in "
        "until a staff administrator sets it (`PATCH /v1/users/{id}`); machine clients never "
        "send one (403 naming `password`).",
    )
    active: bool = Field(True, description="Disabled users get no tokens.")


class UserUpdate(_Contact):
    """Only the fields sent change. `active: false` disables the user (no new tokens; tokens
    already issued expire within `GOVHUB_JWT_TTL_SECONDS`). `password` resets it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"active": False}, {"roles": ["agent", "coordinator"]}]},
    )

    full_name_ar: FullName | None = None
    full_name_en: FullName | None = None
    email: Email | None = None
    phone: str | None = Field(None, max_length=40, description=PHONE_DESCRIPTION)
    organization_id: uuid.UUID | None = None
    roles: Roles | None = Field(None, description=ROLES_DESCRIPTION)
    active: bool | None = None
    password: Password | None = Field(
        None,
        description=PASSWORD_DESCRIPTION + " Resets it: staff administrators only (403 naming "
        "`password` for machine clients, and for an org_admin resetting a peer org_admin of "
        "its own organization).",
    )

    @field_validator("full_name_ar", "organization_id", "roles", "active", "password")
    @classmethod
    def _not_null(cls, value: object) -> object:
        return reject_null(value)


class PasswordChange(BaseModel):
    """The signed-in user changes their own password."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"current_password": "Govhub-Demo-2026", "new_password": "Nakheel-2026-Ahsa"}
            ]
        },
    )

    current_password: Password
    new_password: Password = Field(description=PASSWORD_DESCRIPTION)


class UserOut(Timestamps):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5c3e9a55-2f7e-4a1b-8e7c-2b9f3f4e6a10",
                    "username": "riyadh.agent",
                    "full_name_ar": "محمد العتيبي",
                    "full_name_en": "Mohammed Al-Otaibi",
                    "email": "m.alotaibi@riyadh.example.sa",
                    "phone": "+966501234567",
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "roles": ["agent"],
                    "active": True,
                    "password_changed_at": "2026-01-05T09:00:00+03:00",
                    "last_login_at": None,
                    "created_at": "2026-01-05T09:00:00+03:00",
                    "updated_at": "2026-01-05T09:00:00+03:00",
                }
            ]
        }
    )

    id: uuid.UUID
    username: str
    full_name_ar: str
    full_name_en: str | None
    email: str | None
    phone: str | None = Field(description="E.164.")
    organization_id: uuid.UUID
    roles: list[Role]
    active: bool
    password_changed_at: datetime | None
    last_login_at: datetime | None
