"""What the WhatsApp webhook answers, and an example of what Meta posts to it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

NOTIFICATION_EXAMPLE: dict[str, Any] = {
    "object": "whatsapp_business_account",
    "entry": [
        {
            "id": "102290129340398",
            "changes": [
                {
                    "field": "messages",
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {
                            "display_phone_number": "966112345678",
                            "phone_number_id": "106540352242922",
                        },
                        "contacts": [{"profile": {"name": "محمد"}, "wa_id": "966501234567"}],
                        "messages": [
                            {
                                "from": "966501234567",
                                "id": "wamid.HBgMOTY2NTAxMjM0NTY3FQIAEhgUM0E=",
                                "timestamp": "1767600000",
                                "type": "text",
                                "text": {"body": "أعمدة الإنارة في شارعنا معطلة منذ أسبوع"},
                            }
                        ],
                    },
                }
            ],
        }
    ],
}


class WebhookAnswer(BaseModel):
    """Counts of what the notification held (Meta only needs the 200)."""

    created: int = Field(0, description="Messages that opened an inquiry.")
    continued: int = Field(0, description="Messages added to the sender's open inquiry.")
    duplicate: int = Field(0, description="Messages seen before (redeliveries).")
    unrouted: int = Field(0, description="Messages to a phone number id no channel owns.")
    opted_out: int = Field(0, description="STOP messages: the number gets nothing more.")
    opted_in: int = Field(0, description="START messages: the number gets notifications again.")
    statuses: int = Field(0, description="Delivery statuses recorded.")
