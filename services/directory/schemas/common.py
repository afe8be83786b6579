"""Shared pieces of the directory's schemas: its problem wording and field validators."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, Field, StringConstraints

from services.common.i18n import text
from services.common.patterns import CODE, HTTP_URL, NOT_BLANK, USERNAME, matches, trim
from services.common.problems import ProblemResponses

DEFAULT_PHONE_REGION = "SA"

# Text fields: surrounding whitespace trimmed, Arabic kept exactly as given otherwise.
NameAr = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NOT_BLANK
]
NameEn = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NOT_BLANK
]
# a holiday's names: its columns are varchar(200)
ShortName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NOT_BLANK
]


# The directory's wording of the statuses it means more precisely than the kernel's.
problems = ProblemResponses(
    {
        401: "No token, or an invalid, expired or foreign token (problem details).",
        403: "The caller lacks the permission, or may not grant the roles named (problem details).",
        409: "Conflicts with existing data: duplicate, cycle, or tree rule (problem details).",
        415: "The body is not JSON (problem details).",
    }
)


class Timestamps(BaseModel):
    created_at: datetime = Field(description="When it was created (RFC 3339).")
    updated_at: datetime = Field(description="When it last changed (RFC 3339).")


def check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            text("منطقة زمنية غير معروفة (مثل Asia/Riyadh)", "Unknown time zone (e.g. Asia/Riyadh)")
        ) from exc
    return value


def check_phone(value: str | None) -> str | None:
    """Any common spelling of a number → E.164; local numbers are read as Saudi."""
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(text("رقم هاتف غير صالح", "Invalid phone number")) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(text("رقم هاتف غير صالح", "Invalid phone number"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_email(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        # `.test` (RFC 6761) is accepted: the spec's `format: email` allows it
        return validate_email(value, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError as exc:
        raise ValueError(text("بريد إلكتروني غير صالح", "Invalid e-mail address")) from exc


def check_url(value: str | None) -> str | None:
    """An absolute http(s) URL (`patterns.HTTP_URL`, the spec's pattern for the field)."""
    if value is None:
        return None
    if not matches(HTTP_URL, value) or not urlsplit(trim(value)).netloc:
        raise ValueError(text("رابط غير صالح (http أو https)", "Invalid URL (http or https)"))
    return trim(value)


def check_username(value: str | None) -> str | None:
    """Lower-cased; 3–100 of a–z, 0–9, `.`, `_`, `-`, starting with a letter or digit."""
    if value is None:
        return None
    if not matches(USERNAME, value):
        raise ValueError(
            text(
                "اسم المستخدم من 3 إلى 100 من الأحرف a–z والأرقام و . _ -",
                "A username is 3–100 of a–z, 0–9, '.', '_', '-'",
            )
        )
    return trim(value).lower()


def check_code(value: str | None) -> str | None:
    if value is None:
        return None
    if not matches(CODE, value):
        raise ValueError(
            text(
                "الرمز حتى 50 من الأحرف اللاتينية والأرقام و . _ -",
                "A code is up to 50 of A–Z, a–z, 0–9, '.', '_', '-'",
            )
        )
    return trim(value)


def reject_null(value: Any) -> Any:
    """For PATCH fields that may be omitted but never set to null."""
    if value is None:
        raise ValueError(text("لا يقبل هذا الحقل القيمة null", "This field cannot be null"))
    return value
