"""Open311 words ↔ the hub's: statuses, query parameters, the request form → an
`InquiryCreate`, inquiries and categories → Open311 documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import ValidationError

from services.common.i18n import FIELD_MESSAGES, current_language, text
from services.common.strict import MESSAGES, out_of_range
from services.inquiries.domain.states import FINISHED_STATES, OPEN_STATES, Status
from services.inquiries.models import Category, Inquiry
from services.inquiries.open311.errors import Open311Error
from services.inquiries.open311.schemas import (
    Open311Receipt,
    Open311Request,
    Open311Service,
    ServiceRequestIn,
)
from services.inquiries.schemas.inquiries import InquiryCreate, Kind

# The spec's defaults for GET requests: a 90-day window, at most 1000 requests.
WINDOW = timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_PAGE = 100_000
MAX_IDS = 1000
DESCRIPTION_LIMIT = 4000  # the spec's limit on `description`
SUBJECT_LIMIT = 300  # the inquiry subject's

Open311Status = Literal["open", "closed"]
STATES: dict[str, frozenset[Status]] = {"open": OPEN_STATES, "closed": FINISHED_STATES}

STATE_WORDS: dict[str, tuple[str, str]] = {
    Status.NEW: ("تم استلام البلاغ", "Received"),
    Status.ASSIGNED: ("أُسند البلاغ إلى موظف مختص", "Assigned to an officer"),
    Status.IN_PROGRESS: ("قيد المعالجة", "In progress"),
    Status.AWAITING_CITIZEN: (
        "بانتظار معلومات من مقدم البلاغ",
        "Waiting for information from the requester",
    ),
    Status.RESOLVED: ("تم الحل", "Resolved"),
    Status.CLOSED: ("مغلق", "Closed"),
    Status.REJECTED: ("مرفوض", "Rejected"),
}

# InquiryCreate fields → the Open311 parameter a client sent them in
FORM_FIELDS = {
    "subject": "description",
    "body": "description",
    "contact.name": "first_name",
    "contact.phone": "phone",
    "contact.email": "email",
    "location.lat": "lat",
    "location.long": "long",
    "location.address": "address_string",
    "category_id": "service_code",
}


# --- small helpers -------------------------------------------------------------------------


def localized(ar: str | None, en: str | None) -> str | None:
    if ar is None:
        return en
    return text(ar, en or ar)


def rfc3339(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def open311_status(status: str) -> Open311Status:
    return "open" if status in OPEN_STATES else "closed"


LOCATIONS = {"query", "path", "body", "form", "header", "cookie"}


def validation_messages(
    errors: Iterable[Mapping[str, Any]], names: Mapping[str, str] | None = None
) -> list[str]:
    """`field: message` per pydantic error, in the request's language, named as the client
    sent the field."""
    messages = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if len(loc) > 1 and loc[0] in LOCATIONS:
            loc = loc[1:]
        path = ".".join(loc)
        name = (names or {}).get(path, path) or "body"
        pair = FIELD_MESSAGES.get(error.get("type", ""))
        if pair is None:
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        else:
            message = pair[0] if current_language.get() == "ar" else pair[1]
        messages.append(f"{name}: {message}")
    return messages


def _duration(minutes: int) -> tuple[str, str]:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} ساعة عمل", f"{hours} business hour{'s' if hours != 1 else ''}"
    return f"{minutes} دقيقة عمل", f"{minutes} business minute{'s' if minutes != 1 else ''}"


def service_notice(inquiry: Inquiry) -> str:
    ar, en = _duration(inquiry.resolution_target_minutes)
    return text(f"يُتوقع حل البلاغ خلال {ar}", f"Expected to be resolved within {en}")


def status_notes(inquiry: Inquiry) -> str:
    ar, en = STATE_WORDS.get(inquiry.status, (inquiry.status, inquiry.status))
    words = text(ar, en)
    detail = inquiry.rejection_reason if inquiry.status == Status.REJECTED else inquiry.resolution
    if detail and inquiry.status in FINISHED_STATES:
        return f"{words}: {detail}"
    return words


def _updated(inquiry: Inquiry) -> datetime:
    """The spec: for closed requests, when they were closed."""
    if inquiry.status == Status.RESOLVED and inquiry.resolved_at:
        return inquiry.resolved_at
    if inquiry.status in (Status.CLOSED, Status.REJECTED) and inquiry.closed_at:
        return inquiry.closed_at
    return inquiry.updated_at


# --- documents ------------------------------------------------------------------------------


def service_view(category: Category, public_by_id: Mapping[uuid.UUID, Category]) -> Open311Service:
    parent = public_by_id.get(category.parent_id) if category.parent_id else None
    names = [name for name in (category.name_ar, category.name_en) if name]
    return Open311Service(
        service_code=category.code,
        service_name=localized(category.name_ar, category.name_en) or category.code,
        description=localized(category.description_ar, category.description_en),
        metadata=False,
        type="realtime",
        keywords=", ".join(dict.fromkeys(names)) or None,
        group=localized(parent.name_ar, parent.name_en) if parent else None,
    )


def request_view(
    inquiry: Inquiry,
    category: Category,
    agency: tuple[str, str | None] | None,
    media_url: str | None = None,
) -> Open311Request:
    return Open311Request(
        service_request_id=inquiry.reference,
        status=open311_status(inquiry.status),
        status_notes=status_notes(inquiry),
        service_name=localized(category.name_ar, category.name_en),
        service_code=category.code,
        description=clip(inquiry.body, DESCRIPTION_LIMIT),
        agency_responsible=localized(*agency) if agency else None,
        service_notice=service_notice(inquiry),
        requested_datetime=rfc3339(inquiry.created_at) or "",
        updated_datetime=rfc3339(_updated(inquiry)),
        expected_datetime=rfc3339(inquiry.resolution_due),
        address=inquiry.location_address,
        address_id=None,
        zipcode=None,
        lat=inquiry.location_lat,
        long=inquiry.location_long,
        media_url=media_url,
    )


def receipt_view(inquiry: Inquiry, account_id: str | None) -> Open311Receipt:
    return Open311Receipt(
        service_request_id=inquiry.reference,
        service_notice=service_notice(inquiry),
        account_id=account_id,
    )


# --- GET requests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    """The filters of GET requests, checked; `references` overrides every other one."""

    references: list[str] | None
    service_codes: list[str]
    states: list[str]
    start: datetime
    end: datetime
    page: int
    page_size: int
    cursor: str | None


def _words(value: str | None) -> list[str]:
    return [word.strip() for word in (value or "").split(",") if word.strip()]


def _instant(name: str, value: str | None) -> datetime | None:
    if not value:
        return None
    # RFC 3339 allows a lower-case `t` and `z`; an offset's unencoded "+" arrives as a space
    value = value.strip().upper()
    if "T" in value:
        value = value.replace(" ", "+")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Open311Error(
            400,
            text(
                f"{name}: تاريخ ووقت غير صالح، المطلوب صيغة مثل 2026-03-01T09:30:00+03:00",
                f"{name}: invalid date-time, expected e.g. 2026-03-01T09:30:00+03:00",
            ),
        ) from exc
    if parsed.tzinfo is None:
        raise Open311Error(
            400,
            text(
                f"{name}: أضف المنطقة الزمنية (Z أو ±hh:mm)",
                f"{name}: include the time zone (Z or ±hh:mm)",
            ),
        )
    if out_of_range(value):
        ar, en = MESSAGES["date-time-range"]
        raise Open311Error(400, text(f"{name}: {ar}", f"{name}: {en}"))
    return parsed


def _shifted(at: datetime, delta: timedelta) -> datetime:
    """`at + delta`, held at the first or last representable instant."""
    try:
        return at + delta
    except OverflowError:
        return (
            datetime.max.replace(tzinfo=UTC)
            if delta > timedelta(0)
            else datetime.min.replace(tzinfo=UTC)
        )


def _window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        assert end is not None
        return _shifted(end, -WINDOW), end
    if end is None:
        return start, _shifted(start, WINDOW)
    if end < start:
        raise Open311Error(
            400,
            text("end_date يسبق start_date", "end_date is before start_date"),
        )
    if end - start > WINDOW:
        raise Open311Error(
            400,
            text(
                "لا يجوز أن يتجاوز النطاق بين start_date و end_date تسعين يوماً",
                "start_date and end_date may not span more than 90 days",
            ),
        )
    return start, end


def _positive(name: str, value: str | None, default: int, maximum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= maximum:
        raise Open311Error(
            400,
            text(
                f"{name}: المطلوب عدد صحيح من 1 إلى {maximum}",
                f"{name}: expected a whole number from 1 to {maximum}",
            ),
        )
    return number


def request_query(params: Mapping[str, str], now: datetime) -> RequestQuery:
    references = _words(params.get("service_request_id")) or None
    if references is not None and len(references) > MAX_IDS:
        raise Open311Error(
            400,
            text(
                f"service_request_id: {MAX_IDS} معرّف على الأكثر",
                f"service_request_id: at most {MAX_IDS} ids",
            ),
        )
    statuses = _words(params.get("status"))
    unknown = [s for s in statuses if s not in STATES]
    if unknown:
        raise Open311Error(
            400,
            text(
                "status: القيم المسموح بها open و closed",
                "status: the allowed values are open and closed",
            ),
        )
    states = sorted({state.value for s in set(statuses) for state in STATES[s]})
    if len(set(statuses)) == len(STATES):
        states = []  # both: every state
    start, end = _window(
        _instant("start_date", params.get("start_date")),
        _instant("end_date", params.get("end_date")),
        now,
    )
    cursor = params.get("cursor") or None
    if cursor is not None and len(cursor) > 500:
        raise Open311Error(400, text("cursor: مؤشر غير صالح", "cursor: invalid cursor"))
    return RequestQuery(
        references=references,
        service_codes=_words(params.get("service_code")),
        states=states,
        start=start,
        end=end,
        page=_positive("page", params.get("page"), 1, MAX_PAGE),
        page_size=_positive("page_size", params.get("page_size"), MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        cursor=cursor,
    )


# --- POST requests --------------------------------------------------------------------------


def service_request_form(params: Mapping[str, str]) -> ServiceRequestIn:
    """The posted fields, checked; an empty field counts as absent."""
    present = {key: value for key, value in params.items() if value != ""}
    try:
        return ServiceRequestIn.model_validate(present)
    except ValidationError as exc:
        raise Open311Error(400, *validation_messages(exc.errors())) from exc


def _bad_request(ar: str, en: str) -> Open311Error:
    return Open311Error(400, text(ar, en))


def check_fields(form: ServiceRequestIn) -> None:
    """A location (the spec: lat and long, or address_string, or address_id); a web
    media_url."""
    if (form.lat is None) != (form.long is None):
        raise _bad_request("أرسل lat و long معاً", "Send lat and long together")
    has_point = form.lat is not None
    if not has_point and not form.address_string:
        if form.address_id:
            raise _bad_request(
                "لا يوجد لدى الجهة سجل عناوين لـ address_id؛ أرسل lat و long أو address_string",
                "This jurisdiction has no address repository for address_id: send lat and "
                "long or address_string",
            )
        raise _bad_request(
            "الموقع مطلوب: lat و long أو address_string أو address_id",
            "A location is required: lat and long, or address_string, or address_id",
        )
    if form.media_url:
        parts = urlsplit(form.media_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _bad_request(
                "media_url: المطلوب رابط http أو https كامل",
                "media_url: expected an absolute http or https URL",
            )


def subject_of(description: str | None, fallback: str) -> str:
    """The inquiry subject: the description's first line, clipped; else the service name."""
    for line in (description or "").splitlines():
        if line.strip():
            return clip(line.strip(), SUBJECT_LIMIT)
    return clip(fallback, SUBJECT_LIMIT)


def inquiry_create(
    form: ServiceRequestIn,
    category: Category,
    channel: str,
    organization_id: uuid.UUID | None,
) -> InquiryCreate:
    """The `/v1/inquiries` body a service request amounts to (a `request` in the service's
    category, sent to `organization_id` or routed by the category); its own validators
    (E.164 phone, e-mail, NUL) apply."""
    name = " ".join(part for part in (form.first_name, form.last_name) if part) or None
    contact = (
        {"name": name, "phone": form.phone, "email": form.email}
        if name or form.phone or form.email
        else None
    )
    fields: dict[str, Any] = {
        "kind": Kind.REQUEST,
        "channel": channel,
        "subject": subject_of(form.description, category.name_ar),
        "body": form.description if form.description else category.name_ar,
        "category_id": category.id,
        "organization_id": organization_id,
        "contact": contact,
        "location": {"lat": form.lat, "long": form.long, "address": form.address_string},
    }
    try:
        return InquiryCreate.model_validate(fields)
    except ValidationError as exc:
        raise Open311Error(400, *validation_messages(exc.errors(), FORM_FIELDS)) from exc


def staff_note(form: ServiceRequestIn) -> str | None:
    """What Open311 sends that inquiries have no column for, for staff (an internal note)."""
    extras = [
        (name, getattr(form, name))
        for name in ("media_url", "device_id", "account_id", "address_id")
        if getattr(form, name)
    ]
    if not extras:
        return None
    return "\n".join(["Open311", *(f"{name}: {value}" for name, value in extras)])
