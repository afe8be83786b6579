"""`/v1/inquiries`: intake, the staff list, export, KPIs, reading and correcting one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from services.common import highlight
from services.common.app import new_router
from services.common.auth import OptionalPrincipalDep, PrincipalDep
from services.common.db import SessionDep, open_session, read_pool_of, session_of
from services.common.etag import etag_for
from services.common.pagination import PageDep
from services.common.responses import json_response
from services.common.routing import lean
from services.common.search import SearchOptionsDep, SearchPage
from services.inquiries import clock
from services.inquiries.api.deps import (
    FiltersDep,
    PreconditionDep,
    etag,
    problems,
    redact_token_on_replay,
)
from services.inquiries.schemas.inquiries import (
    InquiryCreate,
    InquiryHit,
    InquiryOut,
    InquiryPatch,
    InquiryReceipt,
)
from services.inquiries.schemas.stats import StatsOut
from services.inquiries.service import attachments, export, stats, views
from services.inquiries.service import inquiries as service
from services.inquiries.service.intake import create as intake

router = new_router(prefix="/v1/inquiries", tags=["inquiries"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Submit an inquiry",
    description="""Open to anonymous citizens (the gateway rate-limits them), to staff entering
an inquiry received by phone, majlis, field visit or walk-in, and to machine clients with
`inquiries:write`.

**Routing**: with `organization_id`, the inquiry goes there (a `category_id` must then belong
to that organization or one above it; without a category, the organization's intake default
category applies). Without `organization_id`, the category's routing organization (or its
owner) receives it. **Channel**: the kind (e.g. `whatsapp`) or id of an active intake channel
of the receiving organization or of the nearest ancestor that registers that kind; otherwise
422 naming `channel`.

**Media requests** (S0-3) need `outlet`, `deadline` (future) and a contact phone or e-mail;
their priority defaults to `high` and both due times are capped at the deadline.

The answer carries the `reference` and the `tracking_token` — shown **only once** (stored as
a SHA-256 hash; a replay of the same `Idempotency-Key` returns the receipt with
`tracking_token: null`). Text is stored exactly as sent.

**Attachments**: `attachment_ids` names files uploaded with `POST /v1/attachments` by the
same caller (anonymously, for a citizen); the inquiry owns them from then on, its staff and
the citizen (with the tracking token) read them. Someone else's upload, or one attached
elsewhere already, is a 422 `attachment_unavailable` and nothing is kept.""",
    responses=problems(401, 403, 415, 422),
)
async def submit_inquiry(
    body: InquiryCreate,
    principal: OptionalPrincipalDep,
    request: Request,
    response: Response,
    _: Annotated[None, Depends(redact_token_on_replay)],
) -> InquiryReceipt:
    state = request.app.state
    if body.attachment_ids:
        inquiry, token = await attachments.submit_with_attachments(
            session_of(request), principal, body, state.intake_memory, state.intake_writer
        )
    else:
        # the request's session only when it has one (an `Idempotency-Key` claim):
        # otherwise the intake runs on the writer's connections alone
        inquiry, token = await intake.create_inquiry(
            open_session(request), principal, body, state.intake_memory, state.intake_writer
        )
    response.headers["Location"] = f"/v1/inquiries/{inquiry.id}"
    response.headers["Cache-Control"] = "no-store"
    etag(response, inquiry)
    return views.receipt(inquiry, token, body.attachment_ids)


@router.get(
    "",
    summary="List inquiries",
    response_model=SearchPage[InquiryHit],
    description="Inquiries of the caller's organization and everything below it, newest "
    "first or, with `q` and `sort=relevance`, best match first (keyset pagination either "
    "way). Every filter is indexed. `q` searches subject and body, stemmed Arabic on a "
    "`tsvector` GIN index and substrings on a trigram index (see `q`); when it finds "
    "nothing, its unknown words are replaced by the nearest words of the searched texts "
    "and `corrected_q` says so. `highlight=true` adds each item's matching fragments. — "
    "البحث يفهم أدوات التعريف وحروف الجر المتصلة والجموع، ويقترح أقرب الكلمات عند "
    "الخطأ الإملائي.",
    responses=problems(400, 401, 403, 404, 422),
)
async def list_inquiries(
    session: SessionDep,
    principal: PrincipalDep,
    filters: FiltersDep,
    page: PageDep,
    options: SearchOptionsDep,
) -> Response:
    result = await service.list_inquiries(session, principal, filters, page, options)
    matcher = highlight.Matcher.of(result.query) if options.highlight and result.query else None
    page_view = views.search_page(
        result.rows,
        clock.now(),
        result.next_cursor,
        corrected_q=result.corrected_q,
        matcher=matcher,
    )
    return json_response(page_view)


@router.get(
    "/export",
    summary="Export inquiries as CSV",
    description="The list's filters, every matching row, streamed as CSV (UTF-8 with a BOM "
    "so spreadsheets show Arabic). Contact details are not exported; cells that would run "
    "as spreadsheet formulas get a leading apostrophe.",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The CSV file."},
        **problems(401, 403, 404, 422),
    },
)
async def export_inquiries(
    session: SessionDep, principal: PrincipalDep, filters: FiltersDep
) -> StreamingResponse:
    await export.check_export(session, principal, filters)
    filename = f"inquiries-{clock.now():%Y%m%d-%H%M%S}.csv"
    return StreamingResponse(
        export.export_csv(session, principal, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/stats",
    summary="KPIs of an organization subtree",
    description="For inquiries created in [`from`, `to`) (default: the last 30 days) in the "
    "organization's subtree (default: the caller's): counts by status, kind, channel, "
    "priority and category; median first-response and resolution times in business hours; "
    "SLA compliance; the current backlog by age; average satisfaction and survey response "
    "rate.",
    responses=problems(401, 403, 404, 422),
)
async def inquiry_stats(
    session: SessionDep,
    principal: PrincipalDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="Root of the subtree (default: yours).")
    ] = None,
    period_from: Annotated[
        AwareDatetime | None, Query(alias="from", description="Period start (RFC 3339).")
    ] = None,
    period_to: Annotated[
        AwareDatetime | None, Query(alias="to", description="Period end, exclusive.")
    ] = None,
    tag: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="Only inquiries with this tag."),
    ] = None,
) -> StatsOut:
    start: datetime | None = period_from
    return await stats.inquiry_stats(session, principal, organization_id, start, period_to, tag=tag)


@router.get(
    "/{inquiry_id}",
    summary="Get an inquiry",
    response_model=InquiryOut,
    description="Staff of the owning organization's subtree (and sector admins) see it, with "
    "the citizen's contact details; anyone else gets 404. Carries an `ETag`.",
    responses=problems(401, 403, 404, 422),
)
@lean  # a read by id: the lean handler (services/common/routing.py)
async def get_inquiry(inquiry_id: uuid.UUID, request: Request, principal: PrincipalDep) -> Response:
    row = await service.view_visible(read_pool_of(request), principal, inquiry_id)
    tag = {"ETag": etag_for(row.id, row.updated_at)}
    return json_response(views.staff_fields(row, clock.now()), headers=tag)


@router.patch(
    "/{inquiry_id}",
    summary="Correct an inquiry",
    description="Priority, kind, category and subject fixes (the citizen's body is never "
    "edited). A change of kind, priority or category re-computes the SLA targets and due "
    "times. Honours `If-Match` (412 when stale).",
    responses=problems(401, 403, 404, 412, 415, 422),
)
async def patch_inquiry(
    inquiry_id: uuid.UUID,
    body: InquiryPatch,
    session: SessionDep,
    principal: PrincipalDep,
    check: PreconditionDep,
    response: Response,
) -> InquiryOut:
    inquiry = await service.patch_inquiry(session, principal, inquiry_id, body, check)
    etag(response, inquiry)
    return views.staff_view(inquiry, clock.now())
