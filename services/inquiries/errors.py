"""The inquiries service's domain errors (all rendered as problem details by the kernel)."""

from __future__ import annotations

from services.common.errors import Conflict, DomainError, NotFound, ValidationFailed
from services.common.i18n import TITLES

# titles of this service's problem codes (the kernel's table is data, shared by all)
TITLES.update(
    {
        "tracking_token_required": ("رمز المتابعة مطلوب", "Tracking token required"),
        "survey_already_submitted": ("سبق التقييم", "Already rated"),
        "survey_not_open": ("التقييم غير متاح بعد", "The survey is not open"),
        "survey_closed": ("انتهت مدة التقييم", "The survey has closed"),
        "category_code_taken": ("الرمز مستخدم", "Code already used"),
        "sla_policy_exists": ("السياسة موجودة", "The policy already exists"),
    }
)


class InquiryNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("الاستفسار", "inquiry")


class CategoryNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("التصنيف", "category")


class PolicyNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("سياسة مستوى الخدمة", "SLA policy")


class UnknownChannel(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "channel",
            "القناة ليست من قنوات الاستقبال النشطة لدى الجهة",
            "The channel is not one of the organization's active intake channels",
        )


class UnknownCategory(ValidationFailed):
    def __init__(self, field_name: str = "category_id") -> None:
        super().__init__(
            field_name,
            "التصنيف غير موجود أو غير متاح",
            "The category does not exist or is not available",
        )


class UnknownOrganization(ValidationFailed):
    def __init__(self, field_name: str = "organization_id") -> None:
        super().__init__(field_name, "الجهة غير موجودة", "The organization does not exist")


class OrganizationRequired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "organization_id",
            "حدّد الجهة أو التصنيف ليُوجَّه الطلب",
            "Name an organization or a category so the inquiry can be routed",
        )


class CategoryOutsideOrganization(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "organization_id",
            "التصنيف لا يخص هذه الجهة ولا الجهات التي تعلوها",
            "The category belongs neither to this organization nor to one above it",
        )


class UnknownAssignee(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "assignee_id",
            "الموظف غير موجود أو لا يتبع الجهة المالكة للاستفسار",
            "No active staff member of the owning organization has this id",
        )


class TrackingTokenRequired(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "أرسل رمز المتابعة في الترويسة X-Tracking-Token",
            "Send the tracking token in the X-Tracking-Token header",
            "tracking_token_required",
            401,
        )


class SurveyAlreadySubmitted(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "سبق تقييم هذا الطلب",
            "This inquiry has already been rated",
            code="survey_already_submitted",
        )


class SurveyNotOpen(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "التقييم متاح بعد حل الطلب فقط",
            "The survey opens once the inquiry is resolved",
            code="survey_not_open",
        )


class SurveyClosed(Conflict):
    def __init__(self, days: int) -> None:
        super().__init__(
            f"انتهت مدة التقييم ({days} يوماً بعد الحل)",
            f"The survey closed {days} days after resolution",
            code="survey_closed",
        )


class SameOrganization(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "organization_id",
            "الاستفسار لدى هذه الجهة بالفعل",
            "The inquiry already belongs to this organization",
        )
