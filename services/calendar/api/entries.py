"""`/v1/calendar/entries`: entries, their occurrences in a window, and their approval."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response, status

from services.calendar.errors import invalid
from services.calendar.schemas.approvals import DecisionIn, RejectIn
from services.calendar.schemas.common import Kind, StatusName, problems
from services.calendar.schemas.entries import (
    EntryCreate,
    EntryOut,
    EntryUpdate,
    OccurrenceChange,
    OccurrenceHit,
)
from services.calendar.service import approvals, series
from services.calendar.service import entries as service
from services.calendar.service import occurrences as occurrence_service
from services.calendar.service.views import describe
from services.common.app import new_router
from services.common.auth import Principal, require
from services.common.db import SessionDep, read_pool_of, session_of
from services.common.etag import check_if_match, set_etag
from services.common.pagination import PageDep
from services.common.responses import json_response
from services.common.search import Q_EXAMPLES, SearchOptionsDep, SearchPage, q_description

router = new_router(prefix="/v1/calendar/entries", tags=["calendar entries"])

Reader = Annotated[Principal, require("calendar:read")]
Writer = Annotated[Principal, require("calendar:write")]
Approver = Annotated[Principal, require("calendar:approve")]
MAX_WINDOW = timedelta(days=3660)


async def _answer(
    session: SessionDep, entry: Any, response: Response, found: list[dict[str, Any]] | None = None
) -> EntryOut:
    set_etag(response, entry.id, entry.updated_at)
    return EntryOut.model_validate(await describe(session, entry, found))


def check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid("from", "أرسل الوقت مع فرق التوقيت (RFC 3339)", "Send times with an offset")
    if end <= start:
        raise invalid("to", "نهاية الفترة قبل بدايتها", "`to` must be after `from`")
    if end - start > MAX_WINDOW:
        raise invalid("to", "الفترة أطول من عشر سنوات", "The window is longer than ten years")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an entry",
    description="A draft entry of the caller's organization (or `organization_id` in its "
    "subtree): timed (`starts_at` + `ends_at`) or all-day (`start_date` + `end_date`), "
    "optionally recurring (`rrule`, Gregorian or `RSCALE=ISLAMIC-UMALQURA`). Channels are "
    "kinds or ids of the directory's channels of the organization or an ancestor. The "
    "answer lists its `conflicts` as warnings. Honours `Idempotency-Key`.",
    responses=problems(401, 403, 404, 409, 415, 422),
)
async def create_entry(
    body: EntryCreate, session: SessionDep, principal: Writer, response: Response
) -> EntryOut:
    entry = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/calendar/entries/{entry.id}"
    return await _answer(session, entry, response)


@router.get(
    "",
    summary="Occurrences in a window",
    response_model=SearchPage[OccurrenceHit],
    description="Every occurrence inside [`from`, `to`) — recurrences expanded, moved "
    "occurrences in their new place, cancelled ones left out — ordered by start (or, with "
    "`q` and `sort=relevance`, best match first; keyset pagination either way), each with "
    "its Hijri dates. The caller's subtree (other organizations' drafts excepted); "
    "`scope=sector` adds the `sector` and `public` entries of the caller's whole ministry "
    "tree. A window is at most ten years. `q` is the hub's stemmed Arabic search of the "
    "entries' titles and descriptions (a `tsvector` GIN index, substrings on a trigram "
    "index); when it finds nothing, its unknown words are replaced by the nearest words of "
    "the searched texts and `corrected_q` says so; `highlight=true` adds each item's "
    "matching fragments. — البحث في عناوين المواعيد وأوصافها يفهم أدوات التعريف وحروف "
    "الجر المتصلة والجموع.",
    responses=problems(400, 401, 403, 404, 422),
)
async def list_occurrences(
    request: Request,
    principal: Reader,
    page: PageDep,
    options: SearchOptionsDep,
    start: Annotated[
        datetime,
        Query(
            alias="from",
            description="Window start (RFC 3339).",
            examples=["2026-03-01T00:00:00+03:00"],
        ),
    ],
    end: Annotated[
        datetime,
        Query(
            alias="to", description="Window end, exclusive.", examples=["2026-04-01T00:00:00+03:00"]
        ),
    ],
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    scope: Annotated[
        Literal["subtree", "sector"] | None,
        Query(description="`sector`: also the ministry tree's shared entries."),
    ] = None,
    kind: Annotated[list[Kind] | None, Query(description="Only these kinds.")] = None,
    channel: Annotated[
        str | None, Query(max_length=64, description="A channel kind or id.")
    ] = None,
    audience: Annotated[str | None, Query(max_length=40, description="An audience code.")] = None,
    status_: Annotated[
        list[StatusName] | None, Query(alias="status", description="Only these statuses.")
    ] = None,
    campaign_id: Annotated[uuid.UUID | None, Query(description="Entries of a campaign.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description=q_description("the entries' titles and descriptions (Arabic, English)"),
            examples=["مؤتمر صحفي", *Q_EXAMPLES],
        ),
    ] = None,
) -> Response:
    check_window(start, end)
    result = await occurrence_service.list_window(
        partial(session_of, request),  # opened only if needed
        read_pool_of(request),
        principal,
        page,
        options,
        start=start,
        end=end,
        organization_id=organization_id,
        sector=scope == "sector",
        kinds=tuple(kind or ()),
        channel=channel,
        audience=audience,
        statuses=tuple(status_ or ()),
        campaign_id=campaign_id,
        q=q,
    )
    # the items are `OccurrenceHit`s already (`occurrence_out`), encoded in one pass;
    # `highlights` only when asked for, `corrected_q` only when there is one
    body: dict[str, Any] = {"items": result.rows, "next_cursor": result.next_cursor}
    if result.corrected_q is not None:
        body["corrected_q"] = result.corrected_q
    return json_response(body)


@router.get(
    "/{entry_id}",
    summary="Get an entry",
    description="With its approval steps and history, Hijri dates and conflicts. Carries "
    "an `ETag`.",
    responses=problems(401, 403, 404),
)
async def get_entry(
    entry_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> EntryOut:
    return await _answer(
        session, await service.get_readable(session, principal, entry_id), response
    )


@router.patch(
    "/{entry_id}",
    summary="Change an entry",
    description="Only the fields sent change. Changing the time, recurrence, channels or "
    "audiences of a `pending` or `approved` entry sends it back to `pending` with a new "
    "`version` (its earlier decisions stay in the history). Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 415, 422),
)
async def update_entry(
    entry_id: uuid.UUID,
    body: EntryUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> EntryOut:
    entry = await service.get_writable(session, principal, entry_id)
    check_if_match(request, entry.id, entry.updated_at)
    entry, _ = await service.update(session, principal, entry, body)
    await approvals.ensure_steps(session, entry)
    return await _answer(session, entry, response)


@router.delete(
    "/{entry_id}",
    summary="Cancel an entry",
    description="Nothing is erased: the entry becomes `cancelled` (as `POST …/cancel`). "
    "Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412),
)
async def delete_entry(
    entry_id: uuid.UUID,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> EntryOut:
    entry = await service.get_writable(session, principal, entry_id)
    check_if_match(request, entry.id, entry.updated_at)
    return await _answer(session, await service.cancel(session, principal, entry), response)


@router.patch(
    "/{entry_id}/occurrences/{recurrence_id}",
    summary="Move or cancel an occurrence, or split the series",
    description="`scope=this`: move (`starts_at`/`ends_at`, or dates) or cancel "
    "(`cancelled: true`) one occurrence (RFC 5545 RECURRENCE-ID). `scope=following`: the "
    "series ends before this occurrence and, unless cancelled, a new series (a draft, with "
    "`split_from_id`) starts here with the new times; the answer is that new series. "
    "`recurrence_id` as listed (`20260104T160000Z`, or `20260218` for all-day entries). "
    "Honours `If-Match` (of the entry).",
    responses=problems(401, 403, 404, 409, 412, 415, 422),
)
async def change_occurrence(
    entry_id: uuid.UUID,
    recurrence_id: str,
    body: OccurrenceChange,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
    scope: Annotated[
        Literal["this", "following"], Query(description="this or following.")
    ] = "this",
) -> EntryOut:
    entry = await service.get_writable(session, principal, entry_id)
    check_if_match(request, entry.id, entry.updated_at)
    changed = await series.change_occurrence(
        session,
        principal,
        entry,
        recurrence_id,
        scope,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        start_date=body.start_date,
        end_date=body.end_date,
        cancelled=body.cancelled,
    )
    await approvals.ensure_steps(session, entry)
    return await _answer(session, changed, response)


@router.post(
    "/{entry_id}/submit",
    summary="Submit for approval",
    description="`draft` or `rejected` → `pending`: the steps of the applicable approval "
    "policy open, the first waits. 409 `blackout` inside a refusing blackout.",
    responses=problems(401, 403, 404, 409),
)
async def submit_entry(
    entry_id: uuid.UUID, session: SessionDep, principal: Writer, response: Response
) -> EntryOut:
    entry = await service.get_writable(session, principal, entry_id)
    found = await approvals.submit(session, principal, entry)
    await session.refresh(entry)
    return await _answer(session, entry, response, found)


@router.post(
    "/{entry_id}/approve",
    summary="Approve the waiting step",
    description="By a holder of the step's roles in the step's organization (a "
    "sector_admin: any step), never by whoever wrote or last changed the entry (403 "
    "`self_approval`). The last step approves the entry. 409 `blackout` inside a refusing "
    "blackout; 409 `invalid_state` unless `pending`.",
    responses=problems(401, 403, 404, 409, 415, 422),
)
async def approve_entry(
    entry_id: uuid.UUID,
    session: SessionDep,
    principal: Approver,
    response: Response,
    body: DecisionIn | None = None,
) -> EntryOut:
    entry = await service.get_writable(session, principal, entry_id)
    found = await approvals.approve(session, principal, entry, body.comment if body else None)
    await session.refresh(entry)
    return await _answer(session, entry, response, found)


@router.post(
    "/{entry_id}/reject",
    summary="Reject",
    description="As approve; `comment` is required. The entry becomes `rejected` (it may "
    "be changed and submitted again).",
    responses=problems(401, 403, 404, 409, 415, 422),
)
async def reject_entry(
    entry_id: uuid.UUID,
    body: RejectIn,
    session: SessionDep,
    principal: Approver,
    response: Response,
) -> EntryOut:
    entry = await service.get_writable(session, principal, entry_id)
    await approvals.reject(session, principal, entry, body.comment)
    await session.refresh(entry)
    return await _answer(session, entry, response)


@router.post(
    "/{entry_id}/cancel",
    summary="Cancel",
    description="Any state but `done` and `cancelled` → `cancelled`.",
    responses=problems(401, 403, 404, 409),
)
async def cancel_entry(
    entry_id: uuid.UUID, session: SessionDep, principal: Writer, response: Response
) -> EntryOut:
    entry = await service.get_writable(session, principal, entry_id)
    return await _answer(session, await service.cancel(session, principal, entry), response)
