"""The calendar's errors: field-naming problems, self-approval, blackouts."""

from __future__ import annotations

from typing import Any

from services.common.errors import DomainError, FieldError, ValidationFailed
from services.common.i18n import TITLES, text

TITLES.update(
    {
        "blackout": ("الموعد داخل فترة حظر", "Inside a blackout"),
        "self_approval": ("لا يعتمد أحد ما كتبه أو عدّله", "No one approves their own entry"),
        "not_your_step": ("ليست خطوة اعتماد تخصّك", "This approval step is not yours"),
        "duplicate": ("القيمة مستخدمة من قبل", "Already in use"),
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


def self_approval() -> DomainError:
    return DomainError(
        "لا يجوز أن يعتمد الموعد أو يرفضه من كتبه أو كان آخر من عدّله",
        "Whoever wrote or last changed the entry cannot decide on it",
        "self_approval",
        403,
    )


def not_your_step() -> DomainError:
    return DomainError(
        "خطوة الاعتماد الحالية لجهة أو أدوار أخرى",
        "The waiting approval step belongs to another organization or other roles",
        "not_your_step",
        403,
    )


def blackout(conflicts: list[dict[str, Any]]) -> DomainError:
    return DomainError(
        "يقع الموعد داخل فترة حظر تمنع هذا النوع",
        "The entry falls inside a blackout that refuses its kind",
        "blackout",
        409,
        extra={"conflicts": conflicts},
    )


def duplicate(field: str, what_ar: str, what_en: str) -> DomainError:
    detail_ar, detail_en = f"{what_ar} مستخدم من قبل", f"This {what_en} is already in use"
    return DomainError(
        detail_ar, detail_en, "duplicate", 409, [FieldError(field, text(detail_ar, detail_en))]
    )
