"""`/v1/reports`: activity and media-coverage reports and the ministry's roll-up (S3-2)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import Query, Request, Response, status

from services.campaigns.api.deps import Reader, Writer
from services.campaigns.models import Report
from services.campaigns.schemas.common import problems
from services.campaigns.schemas.reports import (
    ReportCreate,
    ReportDecision,
    ReportKind,
    ReportOut,
    ReportUpdate,
    RollupOut,
)
from services.campaigns.service import reports as service
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/reports", tags=["reports"])


def _out(report: Report, response: Response | None = None) -> ReportOut:
    if response is not None:
        set_etag(response, report.id, report.updated_at)
    return ReportOut.model_validate(report, from_attributes=True)


@router.get(
    "/rollup",
    summary="The unified information center's roll-up",
    description="Everything filed (submitted or accepted) by the organization and below it "
    "whose items fall between `from` and `to`: totals by organization, channel and tone, "
    "with reach. `format=csv` answers the same as CSV (UTF-8 with BOM).",
    responses={
        200: {
            "content": {"text/csv": {"example": "section,key,name_ar,reports,activities,…"}},
            "description": "The roll-up (JSON, or CSV with `format=csv`).",
        },
        **problems(401, 403, 404, 422),
    },
    response_model=RollupOut,
)
async def get_rollup(
    session: SessionDep,
    principal: Reader,
    organization_id: Annotated[uuid.UUID, Query()],
    from_: Annotated[date, Query(alias="from", description="First day (inclusive).")],
    to: Annotated[date, Query(description="Last day (inclusive).")],
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> RollupOut | Response:
    data = await service.rollup(session, principal, organization_id, from_, to)
    if format_ == "csv":
        return Response(
            service.rollup_csv(data),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="reports-rollup.csv"'},
        )
    return data


@router.get(
    "",
    summary="List reports",
    description="Reports of the caller's subtree, newest first.",
    responses=problems(401, 403, 404, 422),
)
async def list_reports(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    kind: Annotated[ReportKind | None, Query()] = None,
    status_: Annotated[
        Literal["draft", "submitted", "accepted", "returned"] | None, Query(alias="status")
    ] = None,
    campaign_id: Annotated[uuid.UUID | None, Query()] = None,
    initiative_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[ReportOut]:
    filters = service.ReportFilters(organization_id, kind, status_, campaign_id, initiative_id)
    rows, cursor = await service.list_reports(session, principal, filters, page)
    return Page(items=[_out(r) for r in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Draft a report",
    description="Activities (title, date, channel, reach) and coverage (outlet, url, "
    "published_on, tone, reach) dated inside the period.",
    responses=problems(401, 403, 404, 422),
)
async def create_report(
    body: ReportCreate, session: SessionDep, principal: Writer, response: Response
) -> ReportOut:
    report = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/reports/{report.id}"
    return _out(report, response)


@router.get("/{report_id}", summary="Get a report", responses=problems(401, 403, 404))
async def get_report(
    report_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> ReportOut:
    return _out(await service.get(session, principal, report_id), response)


@router.patch(
    "/{report_id}",
    summary="Change a report",
    description="While `draft` or `returned` (409 `invalid_state` otherwise). Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_report(
    report_id: uuid.UUID,
    body: ReportUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> ReportOut:
    report = await service.get(session, principal, report_id, lock=True)
    check_if_match(request, report.id, report.updated_at)
    return _out(await service.update(session, principal, report, body), response)


async def _act(
    report_id: uuid.UUID,
    action: str,
    session: SessionDep,
    principal: Reader,
    response: Response,
    body: ReportDecision | None,
) -> ReportOut:
    report = await service.get(session, principal, report_id, lock=True)
    acted = await service.act(session, principal, report, action, body or ReportDecision())
    return _out(acted, response)


@router.post(
    "/{report_id}/submit",
    summary="Submit a report",
    description="draft | returned → submitted.",
    responses=problems(401, 403, 404, 409, 422),
)
async def submit_report(
    report_id: uuid.UUID,
    session: SessionDep,
    principal: Writer,
    response: Response,
    body: ReportDecision | None = None,
) -> ReportOut:
    return await _act(report_id, "submit", session, principal, response, body)


@router.post(
    "/{report_id}/accept",
    summary="Accept a report",
    description="submitted → accepted, by a unit head or administrator of the organization "
    "or above, never the submitter.",
    responses=problems(401, 403, 404, 409, 422),
)
async def accept_report(
    report_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    response: Response,
    body: ReportDecision | None = None,
) -> ReportOut:
    return await _act(report_id, "accept", session, principal, response, body)


@router.post(
    "/{report_id}/return",
    summary="Return a report",
    description="submitted → returned with a `comment` (required), by the same deciders as "
    "accept; the author corrects it and submits again.",
    responses=problems(401, 403, 404, 409, 422),
)
async def return_report(
    report_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    response: Response,
    body: ReportDecision | None = None,
) -> ReportOut:
    return await _act(report_id, "return", session, principal, response, body)
