"""CSV export of the list (same filters), streamed in keyset chunks.

UTF-8 with a byte-order mark so spreadsheet programs show Arabic; cells that a spreadsheet
would run as a formula (starting with = + - @, tab or carriage return) get a leading
apostrophe. Contact details are left out: the export is for reporting, not for calling.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.orgtree import ensure_visible
from services.inquiries import clock
from services.inquiries.domain import sla
from services.inquiries.domain.filters import InquiryFilters
from services.inquiries.models import Inquiry
from services.inquiries.repository import inquiries as repository
from services.inquiries.service.inquiries import require

COLUMNS = (
    "reference",
    "id",
    "created_at",
    "kind",
    "channel",
    "status",
    "priority",
    "sla_state",
    "organization_id",
    "category_id",
    "assignee_id",
    "subject",
    "first_response_due",
    "first_response_at",
    "resolution_due",
    "resolved_at",
    "closed_at",
    "first_response_business_minutes",
    "resolution_business_minutes",
    "transfer_count",
)
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _row(inquiry: Inquiry, now: datetime) -> list[str]:
    values = {name: getattr(inquiry, name, None) for name in COLUMNS}
    values["sla_state"] = sla.sla_state(inquiry, now)
    return [_cell(values[name]) for name in COLUMNS]


async def check_export(
    session: AsyncSession, principal: Principal, filters: InquiryFilters
) -> None:
    """Checks run before the response starts, so they still answer as problems."""
    require(principal, "inquiries:read")
    if filters.organization_id is not None:
        await ensure_visible(session, principal, filters.organization_id)


async def export_csv(
    session: AsyncSession, principal: Principal, filters: InquiryFilters
) -> AsyncIterator[bytes]:
    now = clock.now()
    org_ids = await repository.scope_ids(session, principal, filters.organization_id)
    stmt = repository.list_statement(filters, now, org_ids)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield (BOM + buffer.getvalue()).encode("utf-8")
    async for chunk in repository.iter_chunks(session, stmt):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_row(inquiry, now) for inquiry in chunk)
        yield buffer.getvalue().encode("utf-8")
