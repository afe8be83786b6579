"""Inquiry tables (prefix `inquiry_`). Organizations, channels and users are the directory's:
they are referenced by plain UUID columns, never by foreign keys across services.

Open311 maps onto these tables: a public category is a service (`code` = service_code,
the organization's code = jurisdiction_id), `location_*` are lat/long/address, the status
maps to open (new … awaiting_citizen) or closed (resolved, closed, rejected), and
`expected_datetime` is `resolution_due`.
"""

from __future__ import annotations

from services.inquiries.models.catalog import Category, SlaPolicy
from services.inquiries.models.common import (
    AUTHOR_TYPES,
    EAGER,
    KINDS,
    PRIORITIES,
    SEARCH_TEXT_SQL,
    SEARCH_VECTOR_SQL,
    VISIBILITIES,
)
from services.inquiries.models.crisis import CrisisRule
from services.inquiries.models.inquiries import (
    Event,
    Inquiry,
    InquiryLike,
    Message,
    ReferenceYear,
    Survey,
)
from services.inquiries.models.notifications import (
    Notification,
    NotificationOptOut,
    NotificationTemplate,
)
from services.inquiries.models.whatsapp import WhatsAppMessage

__all__ = [
    "AUTHOR_TYPES",
    "EAGER",
    "KINDS",
    "PRIORITIES",
    "SEARCH_TEXT_SQL",
    "SEARCH_VECTOR_SQL",
    "VISIBILITIES",
    "Category",
    "CrisisRule",
    "Event",
    "Inquiry",
    "InquiryLike",
    "Message",
    "Notification",
    "NotificationOptOut",
    "NotificationTemplate",
    "ReferenceYear",
    "SlaPolicy",
    "Survey",
    "WhatsAppMessage",
]
