"""One error hierarchy for the whole hub, rendered as RFC 9457 problem details."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.common.i18n import text, title_for

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://govhub.example/problems/"


@dataclass
class FieldError:
    field: str
    message: str


@dataclass
class DomainError(Exception):
    """A failure a client can act on. `detail_ar`/`detail_en` follow Accept-Language."""

    detail_ar: str | None = None
    detail_en: str | None = None
    code: str = "bad_request"
    status: int = 400
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail_en or self.code)

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        return problem_body(
            self.status,
            self.code,
            text(self.detail_ar, self.detail_en) if self.detail_ar and self.detail_en else None,
            errors=self.errors,
            instance=instance,
            **self.extra,
        )


def problem_body(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    errors: list[FieldError] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code.replace("_", "-"),
        "title": title_for(code),
        "status": status,
        "detail": detail or title_for(code),
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    body.update(extra)
    return body


class NotFound(DomainError):
    def __init__(self, what_ar: str = "المورد", what_en: str = "resource") -> None:
        super().__init__(f"{what_ar} غير موجود", f"The {what_en} was not found", "not_found", 404)


class BadRequest(DomainError):
    def __init__(
        self,
        detail_ar: str,
        detail_en: str,
        *,
        code: str = "bad_request",
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail_ar, detail_en, code, 400, errors or [])


class ValidationFailed(DomainError):
    """422 naming the fields at fault; used by domain rules beyond pydantic's."""

    def __init__(self, field_name: str, message_ar: str, message_en: str) -> None:
        message = text(message_ar, message_en)
        super().__init__(
            message_ar, message_en, "validation_failed", 422, [FieldError(field_name, message)]
        )


class Conflict(DomainError):
    def __init__(self, detail_ar: str, detail_en: str, *, code: str = "conflict") -> None:
        super().__init__(detail_ar, detail_en, code, 409)


class InvalidState(Conflict):
    def __init__(self, action: str, state: str) -> None:
        super().__init__(
            f"لا يمكن تنفيذ «{action}» والحالة «{state}»",
            f"'{action}' is not allowed while the state is '{state}'",
            code="invalid_state",
        )


class Unauthorized(DomainError):
    def __init__(
        self,
        detail_ar: str = "يلزم تسجيل الدخول",
        detail_en: str = "Sign in first",
        *,
        code: str = "unauthorized",
    ) -> None:
        super().__init__(
            detail_ar, detail_en, code, 401, headers={"WWW-Authenticate": 'Bearer realm="govhub"'}
        )


class Forbidden(DomainError):
    def __init__(
        self,
        detail_ar: str = "لا تملك صلاحية هذا الإجراء",
        detail_en: str = "You are not allowed to do this",
    ) -> None:
        super().__init__(detail_ar, detail_en, "forbidden", 403)


class PreconditionFailed(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "تغيّر المورد منذ قراءته؛ أعد قراءته ثم حاول مجدداً",
            "The resource changed since you read it; fetch it again and retry",
            "precondition_failed",
            412,
        )


class PayloadTooLarge(DomainError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"الحد الأقصى لحجم الطلب {limit} بايت",
            f"The limit is {limit} bytes",
            "payload_too_large",
            413,
            extra={"limit_bytes": limit},
        )
