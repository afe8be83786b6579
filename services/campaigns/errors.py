"""The campaigns service's errors: field-naming problems on top of the kernel's hierarchy."""

from __future__ import annotations

from services.common.errors import DomainError, FieldError, ValidationFailed
from services.common.i18n import TITLES, text

TITLES.update(
    {
        "duplicate": ("القيمة مستخدمة من قبل", "Already in use"),
        "self_decision": ("لا يقرّ أحد ما قدّمه بنفسه", "Nobody decides on what they submitted"),
        "not_above": (
            "القرار لرئيس وحدة أو مدير الجهة أو جهة أعلى منها",
            "A unit head or administrator of the organization or above decides",
        ),
        "weights_exceed": ("مجموع الأوزان يتجاوز 100", "The weights add up to more than 100"),
        "cycle": ("لا يمكن جعل المبادرة تحت نفسها", "The move would create a cycle"),
        "value_exists": (
            "توجد قيمة لهذه الفترة",
            "A value for this period already exists",
        ),
    }
)


def invalid(field: str, message_ar: str, message_en: str) -> ValidationFailed:
    """422 naming the field."""
    return ValidationFailed(field, message_ar, message_en)


def unknown_reference(field: str, what_ar: str, what_en: str) -> DomainError:
    """404 naming the field: the id names nothing the caller can see (ids don't leak)."""
    detail_ar, detail_en = f"{what_ar} غير موجود", f"No such {what_en}"
    return DomainError(
        detail_ar, detail_en, "not_found", 404, [FieldError(field, text(detail_ar, detail_en))]
    )


def duplicate(field: str, what_ar: str, what_en: str) -> DomainError:
    detail_ar, detail_en = f"{what_ar} مستخدم من قبل", f"This {what_en} is already in use"
    return DomainError(
        detail_ar, detail_en, "duplicate", 409, [FieldError(field, text(detail_ar, detail_en))]
    )


def refused(code: str, detail_ar: str, detail_en: str, status: int = 403) -> DomainError:
    return DomainError(detail_ar, detail_en, code, status)


def conflict(field: str, detail_ar: str, detail_en: str, *, code: str = "conflict") -> DomainError:
    return DomainError(
        detail_ar, detail_en, code, 409, [FieldError(field, text(detail_ar, detail_en))]
    )
