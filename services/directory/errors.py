"""The directory's errors: field-naming problems and OAuth2 token-endpoint errors."""

from __future__ import annotations

from services.common.errors import DomainError, FieldError, ValidationFailed
from services.common.i18n import TITLES, text

# Titles of the codes only the directory answers (OAuth2 RFC 6749 §5.2 error words).
TITLES.update(
    {
        "invalid_request": ("طلب رمز الدخول غير مكتمل", "Invalid token request"),
        "invalid_client": ("بيانات العميل غير صحيحة", "Client authentication failed"),
        "invalid_grant": ("بيانات الدخول غير صحيحة", "Invalid credentials"),
        "unauthorized_client": ("العميل غير مخوّل", "Unauthorized client"),
        "unsupported_grant_type": ("نوع المنحة غير مدعوم", "Unsupported grant type"),
        "invalid_scope": ("النطاق المطلوب غير مسموح", "Invalid scope"),
        "temporarily_unavailable": ("تسجيل الدخول مشغول حالياً", "Sign-in temporarily unavailable"),
        "duplicate": ("القيمة مستخدمة من قبل", "Already in use"),
        "cycle": ("لا يمكن نقل الجهة تحت نفسها", "The move would create a cycle"),
    }
)


def invalid(field: str, message_ar: str, message_en: str) -> ValidationFailed:
    """422 naming the field."""
    return ValidationFailed(field, message_ar, message_en)


def unknown_reference(
    field: str, what_ar: str = "الجهة", what_en: str = "organization"
) -> DomainError:
    """404 naming the field: the id names nothing the caller can see (ids don't leak)."""
    detail_ar, detail_en = f"{what_ar} غير موجودة", f"No such {what_en}"
    return DomainError(
        detail_ar, detail_en, "not_found", 404, [FieldError(field, text(detail_ar, detail_en))]
    )


def duplicate(field: str, what_ar: str, what_en: str) -> DomainError:
    detail_ar, detail_en = f"{what_ar} مستخدم من قبل", f"This {what_en} is already in use"
    return DomainError(
        detail_ar, detail_en, "duplicate", 409, [FieldError(field, text(detail_ar, detail_en))]
    )


def conflict(field: str, detail_ar: str, detail_en: str, *, code: str = "conflict") -> DomainError:
    return DomainError(
        detail_ar, detail_en, code, 409, [FieldError(field, text(detail_ar, detail_en))]
    )


def forbidden(field: str, detail_ar: str, detail_en: str) -> DomainError:
    return DomainError(
        detail_ar, detail_en, "forbidden", 403, [FieldError(field, text(detail_ar, detail_en))]
    )


class OAuthError(DomainError):
    """A token-endpoint failure: a problem document that also carries the RFC 6749 members
    `error` and `error_description`, and `Cache-Control: no-store`."""

    def __init__(
        self,
        error: str,
        detail_ar: str,
        detail_en: str,
        *,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            detail_ar,
            detail_en,
            error,
            status,
            headers={"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})},
            extra={"error": error, "error_description": detail_en},
        )
