"""The filters of the inquiry list (and of its export): a plain value, built by the router
from the query string and turned into SQL by the repository."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InquiryFilters:
    """The list's filters (also the export's). Lists are OR within a filter, AND across."""

    status: Sequence[str] = ()
    kind: Sequence[str] = ()
    channel: Sequence[str] = ()
    priority: Sequence[str] = ()
    organization_id: uuid.UUID | None = None
    category_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    sla: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None
    tag: str | None = None
