"""Notification templates as the API shows and takes them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.common.patterns import NOT_BLANK

Language = Literal["ar", "en"]
TemplateText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NOT_BLANK
]
SubjectText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NOT_BLANK
]
# Meta's template names: lower-case letters, digits and underscores
WhatsAppTemplateName = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9_]{1,512}$")
]
WHATSAPP_TEMPLATE_DESCRIPTION = (
    "The approved WhatsApp message template (its name at Meta) sent instead of the text when "
    "the citizen's last WhatsApp message is more than 24 hours old; its body takes one "
    "parameter, `{{1}}`, the message. Organizations below inherit it; none set: "
    "`GOVHUB_WHATSAPP_TEMPLATE_NAME`."
)

PLACEHOLDERS_DESCRIPTION = (
    "Placeholders: `{reference}` (the inquiry's reference), `{organization}` (the handling "
    "organization's name), `{text}` (the reply or the resolution), `{link}` (the survey "
    "page, `GOVHUB_INQUIRIES_SURVEY_URL`; required in the `survey` invitation)."
)


class TemplateIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "أمانة الرياض: طلبك {reference}",
                    "body": "مرحباً، استلمت {organization} طلبك برقم {reference}. "
                    "شكراً لتواصلك مع أمانة الرياض.",
                    "whatsapp_template": "riyadh_request_update",
                }
            ]
        },
    )

    subject: SubjectText | None = Field(
        None,
        description="E-mail subject; the built-in one when absent. " + PLACEHOLDERS_DESCRIPTION,
    )
    body: TemplateText = Field(description="The message. " + PLACEHOLDERS_DESCRIPTION)
    whatsapp_template: WhatsAppTemplateName | None = Field(
        None, description=WHATSAPP_TEMPLATE_DESCRIPTION, examples=["riyadh_request_update"]
    )


class TemplateOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organization_id": "8d7f8a0c-5b1e-4a43-9a57-0f6c0f5b2d11",
                    "event": "received",
                    "language": "ar",
                    "subject": "تم استلام طلبك {reference}",
                    "body": "تم استلام طلبك برقم {reference} لدى {organization}، "
                    "وسنبلغك بكل رد عليه.",
                    "source": "built_in",
                    "inherited_from": None,
                    "whatsapp_template": None,
                    "created_at": None,
                    "updated_at": None,
                }
            ]
        }
    )

    organization_id: uuid.UUID = Field(description="The organization asked about.")
    event: str = Field(
        description="`received`, `replied`, `info_requested`, `resolved` or `survey` (the "
        "survey invitation, its own message after the resolution; it must carry `{link}`).",
        examples=["received"],
    )
    language: Language
    subject: str = Field(description="E-mail subject.")
    body: str
    source: Literal["own", "inherited", "built_in"] = Field(
        description="The organization's own wording, an ancestor's, or the hub's built-in one."
    )
    inherited_from: uuid.UUID | None = Field(
        description="The ancestor whose template applies (`inherited`)."
    )
    whatsapp_template: str | None = Field(
        description="The approved WhatsApp template used outside the 24-hour window: the "
        "organization's own or the nearest ancestor's; null: `GOVHUB_WHATSAPP_TEMPLATE_NAME`."
    )
    created_at: datetime | None = Field(description="When its own template was created.")
    updated_at: datetime | None = Field(description="When its own template last changed.")
