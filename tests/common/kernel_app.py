"""A small service built on the shared kernel, used to test the kernel through real requests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import FastAPI, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from services.common import audit
from services.common.app import create_service_app, new_router
from services.common.db import SessionDep
from services.common.errors import NotFound, ValidationFailed
from services.common.etag import check_if_match, set_etag
from services.common.models import AuditEntry
from services.common.outbox import emit
from services.common.pagination import Page, PageDep, paginate
from services.common.settings import GovhubSettings


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=200)]
    delay: float = 0


class NoteOut(BaseModel):
    id: uuid.UUID
    text: str
    occurred_at: datetime


router = new_router(prefix="/v1/notes")


def to_out(row: AuditEntry) -> NoteOut:
    return NoteOut(id=row.id, text=row.changes["text"], occurred_at=row.occurred_at)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_note(body: NoteIn, session: SessionDep, response: Response) -> NoteOut:
    if body.text == "reject":
        raise ValidationFailed("text", "نص مرفوض", "Rejected text")
    row = AuditEntry(
        id=uuid.uuid4(),
        service="kernel-test",
        actor_type="anonymous",
        action="create",
        resource_type="note",
        changes={"text": body.text},
    )
    session.add(row)
    await session.flush()
    await emit(
        session,
        "note.created",
        aggregate_type="note",
        aggregate_id=row.id,
        payload={"text": body.text},
    )
    if body.delay:
        await asyncio.sleep(body.delay)
    if body.text == "boom":
        raise RuntimeError("internal detail that must not leak")
    await session.refresh(row)
    response.headers["Location"] = f"/v1/notes/{row.id}"
    set_etag(response, row.id, row.occurred_at)
    return to_out(row)


@router.get("")
async def list_notes(session: SessionDep, page: PageDep) -> Page[NoteOut]:
    stmt = select(AuditEntry).where(AuditEntry.resource_type == "note")
    rows, cursor = await paginate(session, stmt, [AuditEntry.occurred_at, AuditEntry.id], page)
    return Page(items=[to_out(r) for r in rows], next_cursor=cursor)


@router.get("/count")
async def count_notes(session: SessionDep) -> dict[str, int]:
    total = await session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.resource_type == "note")
    )
    return {"count": int(total or 0)}


async def in_transaction(session: SessionDep) -> bool:
    await session.execute(select(1))  # the driver begins on the first statement
    raw = await (await session.connection()).get_raw_connection()
    return bool(raw.driver_connection.is_in_transaction())  # type: ignore[union-attr]


@router.get("/_transaction")
async def read_transaction(session: SessionDep) -> dict[str, bool]:
    return {"in_transaction": await in_transaction(session)}


@router.post("/_transaction")
async def write_transaction(session: SessionDep) -> dict[str, bool]:
    return {"in_transaction": await in_transaction(session)}


@router.patch("/{note_id}")
async def patch_note(
    note_id: uuid.UUID, body: NoteIn, session: SessionDep, request: Request, response: Response
) -> NoteOut:
    row = await session.get(AuditEntry, note_id)
    if row is None:
        raise NotFound("الملاحظة", "note")
    check_if_match(request, row.id, row.occurred_at)
    row.changes = {"text": body.text}
    row.occurred_at = func.clock_timestamp()
    await session.flush()
    await session.refresh(row)
    set_etag(response, row.id, row.occurred_at)
    await audit.record(
        session,
        service="kernel-test",
        principal=None,
        action="update",
        resource_type="note-change",
        resource_id=row.id,
        organization_id=None,
    )
    return to_out(row)


def create_app(settings: GovhubSettings) -> FastAPI:
    return create_service_app(
        "kernel-test",
        title="kernel test",
        description="test",
        settings=settings,
        routers=[router],
    )
