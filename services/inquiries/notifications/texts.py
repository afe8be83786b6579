"""What notifications say, without I/O: the built-in wording, the language a citizen gets,
rendering a template, and the digest that stands for a contact in the opt-out list."""

from __future__ import annotations

import hashlib
import re
import string
from enum import StrEnum
from typing import Any


class NotificationEvent(StrEnum):
    RECEIVED = "received"  # the inquiry was received: its reference
    REPLIED = "replied"  # a public staff reply
    INFO_REQUESTED = "info_requested"  # a public reply that waits for the citizen
    RESOLVED = "resolved"  # the resolution
    SURVEY = "survey"  # the survey invitation with its link, after the resolution


LANGUAGES = ("ar", "en")
PLACEHOLDERS = frozenset({"reference", "organization", "text", "link"})
# kept as written when a notification is queued; the send job puts the survey's URL in it
LINK_PLACEHOLDER = "{link}"
_ARABIC = re.compile(r"[\u0600-\u06FF]")

# event → language → (subject for e-mail, body)
DEFAULTS: dict[NotificationEvent, dict[str, tuple[str, str]]] = {
    NotificationEvent.RECEIVED: {
        "ar": (
            "تم استلام طلبك {reference}",
            "تم استلام طلبك برقم {reference} لدى {organization}، وسنبلغك بكل رد عليه.",
        ),
        "en": (
            "We received your request {reference}",
            "{organization} received your request, reference {reference}. We will let you "
            "know of every reply.",
        ),
    },
    NotificationEvent.REPLIED: {
        "ar": ("رد على طلبك {reference}", "رد على طلبك {reference}:\n{text}"),
        "en": (
            "A reply on your request {reference}",
            "A reply on your request {reference}:\n{text}",
        ),
    },
    NotificationEvent.INFO_REQUESTED: {
        "ar": (
            "نحتاج معلومات عن طلبك {reference}",
            "نحتاج معلومات إضافية عن طلبك {reference}:\n{text}\nيمكنك الرد من صفحة متابعة الطلب.",
        ),
        "en": (
            "We need details on your request {reference}",
            "We need more details on your request {reference}:\n{text}\nYou can answer on the "
            "request's tracking page.",
        ),
    },
    NotificationEvent.RESOLVED: {
        "ar": ("تمت معالجة طلبك {reference}", "تمت معالجة طلبك {reference}:\n{text}"),
        "en": (
            "Your request {reference} was resolved",
            "Your request {reference} was resolved:\n{text}",
        ),
    },
    NotificationEvent.SURVEY: {
        "ar": (
            "قيّم خدمتنا في طلبك {reference}",
            "يسعدنا تقييمك لخدمة {organization} في طلبك {reference} من 1 إلى 5: {link}",
        ),
        "en": (
            "Rate our service on your request {reference}",
            "Please rate how {organization} handled your request {reference}, from 1 to 5: {link}",
        ),
    },
}


def language_for(citizen_text: str | None) -> str:
    """Arabic unless the citizen wrote without a single Arabic letter."""
    return "ar" if not citizen_text or _ARABIC.search(citizen_text) else "en"


def placeholders_of(template: str) -> set[str]:
    """The `{names}` a template uses; ValueError when it is not a valid template."""
    names = set()
    for _, field, spec, conversion in string.Formatter().parse(template):
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ValueError(f"not a plain placeholder: {{{field}}}")
        names.add(field)
    return names


def render(template: str, values: dict[str, Any]) -> str:
    """The template with its placeholders filled; `{link}` stays for the send job."""
    filled = {name: values.get(name, "") for name in PLACEHOLDERS}
    filled["link"] = values.get("link", LINK_PLACEHOLDER)
    return template.format_map(filled)


def survey_link(url_template: str, reference: str, inquiry_id: object) -> str:
    """The survey page of an inquiry (`GOVHUB_INQUIRIES_SURVEY_URL` filled in)."""
    return url_template.replace("{reference}", reference).replace("{inquiry_id}", str(inquiry_id))


def with_link(body: str, link: str) -> str:
    return body.replace(LINK_PLACEHOLDER, link)


def contact_digest(medium: str, address: str) -> str:
    """How an opted-out contact is kept: never the number or address itself."""
    normalized = address.strip().lower() if medium == "email" else address.strip()
    return hashlib.sha256(f"{medium}:{normalized}".encode()).hexdigest()
