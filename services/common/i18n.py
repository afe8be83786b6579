"""Arabic-first messages chosen by `Accept-Language` (ar default, en second)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Literal

Language = Literal["ar", "en"]
SUPPORTED: tuple[Language, ...] = ("ar", "en")
current_language: ContextVar[Language] = ContextVar("current_language", default="ar")


def negotiate(header: str | None) -> Language:
    """Picks ar or en from an Accept-Language header by q-value; Arabic when unsure,
    English when Arabic is refused (`q=0`) and English is not."""
    if not header:
        return "ar"
    qualities: dict[str, float] = {}
    for part in header.split(","):
        tag, *params = part.strip().split(";")
        primary = tag.strip().lower().split("-")[0]
        quality = 1.0
        for param in params:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if primary in SUPPORTED:
            qualities[primary] = max(quality, qualities.get(primary, 0.0))
    best: Language = "en" if qualities.get("en", 0.0) > qualities.get("ar", 0.0) else "ar"
    if qualities.get(best, 0.0) > 0:
        return best
    return "en" if qualities.get("ar") == 0.0 and "ar" in qualities else "ar"


# code → (Arabic title, English title). Titles are short and stable per code.
TITLES: dict[str, tuple[str, str]] = {
    "not_found": ("غير موجود", "Not found"),
    "route_not_found": ("المسار غير موجود", "No such route"),
    "method_not_allowed": ("الطريقة غير مسموح بها", "Method not allowed"),
    "validation_failed": ("البيانات المرسلة غير صالحة", "The request is not valid"),
    "malformed_json": ("نص JSON غير سليم", "Malformed JSON"),
    "invalid_encoding": ("الترميز غير صالح، المطلوب UTF-8", "Invalid encoding, UTF-8 expected"),
    "unsupported_media_type": ("نوع المحتوى غير مدعوم", "Unsupported media type"),
    "payload_too_large": ("حجم الطلب أكبر من المسموح", "Request body too large"),
    "internal_error": ("خطأ داخلي في الخادم", "Internal server error"),
    "idempotency_key_reused": (
        "مفتاح عدم التكرار مستخدم لطلب مختلف",
        "Idempotency key reused with another request",
    ),
    "idempotency_key_invalid": ("مفتاح عدم التكرار غير صالح", "Invalid idempotency key"),
    "precondition_failed": ("النسخة لم تعد حديثة", "The resource has changed"),
    "precondition_required": ("الترويسة If-Match مطلوبة", "If-Match is required"),
    "conflict": ("تعارض مع الحالة الحالية", "Conflict with the current state"),
    "invalid_state": ("الإجراء غير مسموح في الحالة الحالية", "Not allowed in the current state"),
    "rate_limited": ("عدد الطلبات تجاوز الحد المسموح", "Too many requests"),
    "bad_gateway": ("الخدمة غير متاحة حالياً", "The service is unavailable"),
    "gateway_timeout": ("انتهت مهلة الخدمة", "The service timed out"),
    "service_unavailable": ("الخدمة غير متاحة", "Service unavailable"),
    "unauthorized": ("يلزم تسجيل الدخول", "Authentication required"),
    "invalid_token": ("رمز الدخول غير صالح", "Invalid access token"),
    "forbidden": ("لا تملك صلاحية هذا الإجراء", "You may not do this"),
    "invalid_cursor": ("مؤشر الصفحة غير صالح", "Invalid page cursor"),
    "bad_request": ("طلب غير صالح", "Bad request"),
}

# Messages for individual validation errors, by pydantic error type.
FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("الحقل مطلوب", "Field required"),
    "extra_forbidden": ("حقل غير معروف", "Unknown field"),
    "string_too_long": ("النص أطول من المسموح", "Text too long"),
    "string_too_short": ("النص أقصر من المطلوب", "Text too short"),
    "uuid_parsing": ("معرّف غير صالح", "Invalid identifier"),
    "int_parsing": ("رقم صحيح غير صالح", "Invalid integer"),
    "enum": ("قيمة غير مسموح بها", "Value not allowed"),
    "literal_error": ("قيمة غير مسموح بها", "Value not allowed"),
    "datetime_parsing": ("تاريخ ووقت غير صالح", "Invalid date-time"),
    "datetime_from_date_parsing": ("تاريخ ووقت غير صالح", "Invalid date-time"),
    "date_parsing": ("تاريخ غير صالح", "Invalid date"),
    "json_invalid": ("نص JSON غير سليم", "Malformed JSON"),
    "less_than_equal": ("القيمة أكبر من المسموح", "Value too large"),
    "greater_than_equal": ("القيمة أصغر من المسموح", "Value too small"),
}


def title_for(code: str, language: Language | None = None) -> str:
    lang = language or current_language.get()
    ar, en = TITLES.get(code, TITLES["bad_request"])
    return ar if lang == "ar" else en


def text(ar: str, en: str, language: Language | None = None) -> str:
    """Chooses between a pair of messages by the request's language."""
    return ar if (language or current_language.get()) == "ar" else en
