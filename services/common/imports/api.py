"""`POST …/imports`, `GET …/imports/{id}`, `GET …/imports/{id}/errors`,
`POST …/imports/{id}/cancel`: the same four routes for every service, over its kinds."""

# no `from __future__ import annotations`: the routes' parameters use the router's kinds

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.app import new_router
from services.common.auth import Principal, PrincipalDep
from services.common.context import request_id_var
from services.common.db import SessionDep, driver_of
from services.common.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from services.common.etag import set_etag
from services.common.i18n import current_language
from services.common.idempotency import idempotency_for_digest
from services.common.imports.kinds import ImportKind, kinds_of
from services.common.imports.models import ImportJob, ImportRejection
from services.common.imports.runner import actor_of, enqueue
from services.common.imports.uploads import MEDIA_TYPES, XLSX, receive_upload
from services.common.orgtree import can_see
from services.common.problems import problems
from services.common.routing import GovhubRoute

SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,49}$"
DEFAULT_SOURCE = "import"


class ImportJobOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "4f8a8b7e-1c3d-4e5f-9a6b-7c8d9e0f1a2b",
                    "kind": "inquiries",
                    "state": "running",
                    "dry_run": False,
                    "source": "legacy-crm",
                    "format": "csv",
                    "encoding": "utf-8",
                    "filename": "بلاغات-2026.csv",
                    "size_bytes": 48213345,
                    "rows_seen": 250000,
                    "rows_imported": 249812,
                    "rows_updated": 0,
                    "rows_unchanged": 0,
                    "rows_rejected": 188,
                    "progress": 0.25,
                    "rows_per_second": 21500.0,
                    "eta_seconds": 35.2,
                    "error": None,
                    "errors_url": "/v1/inquiries/imports/4f8a8b7e-1c3d-4e5f-9a6b-7c8d9e0f1a2b"
                    "/errors",
                }
            ]
        }
    )

    id: uuid.UUID = Field(description="The job's id.")
    kind: str = Field(description="What the rows are (`inquiries`, `entries` …).")
    state: str = Field(description="queued, running, succeeded, failed or cancelled.")
    dry_run: bool = Field(description="Validated and counted, nothing kept.")
    source: str = Field(description="`external_source` of rows that name none.")
    format: str = Field(description="csv, jsonl, xlsx or ics.")
    encoding: str | None = Field(description="The text encoding, declared or detected.")
    filename: str | None = Field(description="The uploaded file's name, when given.")
    size_bytes: int = Field(description="Size of the uploaded file.")
    rows_seen: int = Field(description="Rows read so far (header excluded).")
    rows_imported: int = Field(description="Rows that created a new record.")
    rows_updated: int = Field(description="Rows that changed an existing record (same key).")
    rows_unchanged: int = Field(description="Rows identical to the stored record.")
    rows_rejected: int = Field(description="Rows refused; see `errors_url`.")
    progress: float = Field(description="Fraction of the file read, 0 to 1.")
    rows_per_second: float | None = Field(description="Rows per second while running.")
    eta_seconds: float | None = Field(description="Estimated seconds to the end.")
    error: str | None = Field(description="Why a failed job failed.")
    errors_url: str = Field(description="The rejected rows as CSV.")
    organization_id: uuid.UUID | None = Field(description="The importer's organization.")
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_view(job: ImportJob, prefix: str) -> ImportJobOut:
    rate = job.rows_seen / job.run_seconds if job.run_seconds > 0 else None
    eta = None
    if job.state in ("queued", "running") and 0 < job.progress < 1 and job.run_seconds > 0:
        eta = round(job.run_seconds * (1 - job.progress) / job.progress, 1)
    return ImportJobOut(
        id=job.id,
        kind=job.kind,
        state=job.state,
        dry_run=job.dry_run,
        source=job.source,
        format=job.format,
        encoding=job.encoding,
        filename=job.filename,
        size_bytes=job.size_bytes,
        rows_seen=job.rows_seen,
        rows_imported=job.rows_imported,
        rows_updated=job.rows_updated,
        rows_unchanged=job.rows_unchanged,
        rows_rejected=job.rows_rejected,
        progress=round(job.progress, 4),
        rows_per_second=round(rate, 1) if rate is not None else None,
        eta_seconds=eta,
        error=job.error,
        errors_url=f"{prefix}/{job.id}/errors",
        organization_id=job.organization_id,
        created_at=job.created_at,
        updated_at=job.updated_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


async def _visible_job(
    session: AsyncSession, principal: Principal, service: str, job_id: uuid.UUID
) -> ImportJob:
    job = await session.scalar(
        select(ImportJob).where(ImportJob.id == job_id, ImportJob.service == service)
    )
    if job is None:
        raise NotFound("مهمة الاستيراد", "import job")
    if principal.is_sector_admin or principal.subject == job.actor.get("subject"):
        return job
    if job.organization_id is None or not await can_see(session, principal, job.organization_id):
        raise NotFound("مهمة الاستيراد", "import job")
    return job


def _kind_for(kinds: dict[str, ImportKind], name: str, principal: Principal) -> ImportKind:
    kind = kinds.get(name.replace("-", "_"))
    if kind is None:
        raise ValidationFailed(
            "kind",
            f"النوع غير معروف؛ المتاح: {', '.join(kinds)}",
            f"Unknown kind; one of: {', '.join(kinds)}",
        )
    if not principal.can(kind.permission):
        raise Forbidden()
    return kind


class StreamedUploadRoute(GovhubRoute):
    """The kernel's route without its `Idempotency-Key` dependency, which reads the whole
    body: the upload route claims the key itself once the file is on disk."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        APIRoute.__init__(self, path, endpoint, **kwargs)


def imports_router(prefix: str, service: str, tag: str) -> APIRouter:
    """The import routes of `service` at `prefix` (e.g. `/v1/inquiries/imports`), for the
    kinds it has registered (`kinds.register`) before this is called."""
    kinds = kinds_of(service)
    router = new_router(prefix=prefix, tags=[tag])
    kind_list = ", ".join(f"`{name}`" for name in kinds)
    descriptions = "\n".join(f"- `{name}`: {kind.description}" for name, kind in kinds.items())
    media: dict[str, Any] = {
        media_type: {"schema": {"type": "string", "format": "binary"}}
        for media_type in sorted({*MEDIA_TYPES, "application/octet-stream"})
    }
    media["multipart/form-data"] = {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    }

    async def start_import(
        request: Request,
        response: Response,
        session: SessionDep,
        principal: PrincipalDep,
        kind: Annotated[
            str,
            Query(
                description=f"What the rows are: {kind_list}.",
                json_schema_extra={"enum": list(kinds)},
            ),
        ],
        dry_run: Annotated[
            bool, Query(description="Validate and count only; nothing is kept.")
        ] = False,
        source: Annotated[
            str,
            Query(
                pattern=SOURCE_PATTERN,
                description="`external_source` of rows that name none (the legacy system).",
                examples=["legacy-crm"],
            ),
        ] = DEFAULT_SOURCE,
        filename: Annotated[
            str | None,
            Query(
                max_length=300,
                description="The file's name (its format when the type "
                "is `application/octet-stream`).",
            ),
        ] = None,
    ) -> ImportJobOut:
        chosen = _kind_for(kinds, kind, principal)
        job_id = uuid.uuid4()
        upload = await receive_upload(request, request.app.state.settings, str(job_id), filename)
        try:
            # a replay answers the first upload's job; the same key with other content, 409
            await idempotency_for_digest(
                request,
                f"{upload.sha256}:{upload.format}:{upload.encoding}:{upload.filename or ''}",
            )
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        if upload.format not in chosen.formats:
            upload.path.unlink(missing_ok=True)
            raise DomainError(
                f"الصيغة {upload.format} غير مقبولة لهذا النوع",
                f"The format {upload.format} is not accepted for {chosen.name}",
                "unsupported_media_type",
                415,
            )
        now = datetime.now(UTC)
        job = ImportJob(
            id=job_id,
            service=service,
            kind=chosen.name,
            organization_id=principal.organization_id,
            actor=actor_of(principal),
            language=current_language.get(),
            source=source,
            dry_run=dry_run,
            format=upload.format,
            encoding=upload.encoding,
            filename=(upload.filename or "")[:300] or None,
            path=str(upload.path),
            size_bytes=upload.size,
            state="queued",
            request_id=request_id_var.get(),
            created_at=now,
            updated_at=now,
        )
        session.add(job)
        try:
            await session.flush()
            await enqueue(await driver_of(session), job_id)
        except BaseException:
            upload.path.unlink(missing_ok=True)
            raise
        response.headers["Location"] = f"{prefix}/{job_id}"
        set_etag(response, job.id, job.updated_at)
        return job_view(job, prefix)

    # the body streams to disk: not the kernel route's dependency that reads the whole body
    # for `Idempotency-Key` (claimed above, by the upload's digest)
    router.add_api_route(
        "",
        start_import,
        methods=["POST"],
        route_class_override=StreamedUploadRoute,
        status_code=status.HTTP_202_ACCEPTED,
        summary="Start a bulk import",
        response_model=ImportJobOut,
        description=f"""Uploads a file and queues its import; answers **202** with the job
(also at the `Location`), which the worker runs batch by batch. Kinds: {kind_list}.

{descriptions}

**The file** is the request body with its media type (`text/csv`, `application/x-ndjson`,
`text/calendar`, `{XLSX}`; or `application/octet-stream` with `?filename=`), or the `file`
field of a `multipart/form-data` body; at most 200 MiB (413 above), streamed to disk.
CSV is UTF-8 with or without a BOM, or Windows-1256 (`charset=windows-1256`, or detected);
its first row names the columns. Columns (CSV, `.xlsx`) and keys (JSON Lines) are the
create body's field names, nested objects flattened with `_` (`contact_name`,
`contact_phone`, `location_lat` …); `organization_code` / `category_code` may stand for the
ids; `external_id` is required and `external_source` defaults to `?source=`.

**Upsert**: a row whose (`external_source`, `external_id`) exists updates that record, so
running the same file again changes nothing (`rows_unchanged`). Each batch is written whole
or not at all; a rejected row (bad value, unknown code, broken quote, a line in another
encoding) is reported with its line in `…/errors` and the others are imported.
`dry_run=true` validates and counts without keeping anything.

Who may import: whoever may create such a row (the kind's permission), for organizations
of their own subtree; the import is audited as one entry.

**`Idempotency-Key`**: a retry with the same key, file and parameters answers the first
upload's job again (`Idempotent-Replayed: true`; no second job); the same key with another
file or other parameters is a 409 `idempotency_key_reused`.""",
        responses={
            202: {"description": "The job, queued."},
            **problems(401, 403, 409, 413, 415, 422),
        },
        openapi_extra={"requestBody": {"required": True, "content": media}},
    )

    @router.get(
        "/{job_id}",
        summary="An import's state and counts",
        response_model=ImportJobOut,
        description="State, rows seen / imported / updated / unchanged / rejected, progress, "
        "rows per second and the estimated time left. Poll it until `state` is `succeeded`, "
        "`failed` or `cancelled`.",
        responses=problems(401, 404),
    )
    async def get_import(
        job_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
    ) -> ImportJobOut:
        job = await _visible_job(session, principal, service, job_id)
        set_etag(response, job.id, job.updated_at)
        return job_view(job, prefix)

    @router.post(
        "/{job_id}/cancel",
        summary="Cancel an import",
        response_model=ImportJobOut,
        description="A queued job does not start; a running one stops before its next batch "
        "(the batches written stay). 409 when it has already ended.",
        responses=problems(401, 404, 409),
    )
    async def cancel_import(
        job_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, response: Response
    ) -> ImportJobOut:
        job = await _visible_job(session, principal, service, job_id)
        kind = kinds.get(job.kind)
        if kind is not None and not principal.can(kind.permission):
            raise Forbidden()
        if job.state not in ("queued", "running"):
            raise Conflict(
                f"انتهت مهمة الاستيراد ({job.state})",
                f"The import has already ended ({job.state})",
                code="invalid_state",
            )
        now = datetime.now(UTC)
        await session.execute(
            update(ImportJob)
            .where(ImportJob.id == job.id)
            .values(state="cancelled", finished_at=now, updated_at=now)
        )
        await session.refresh(job)
        set_etag(response, job.id, job.updated_at)
        return job_view(job, prefix)

    @router.get(
        "/{job_id}/errors",
        summary="The rejected rows, as CSV",
        response_class=StreamingResponse,
        description="One line per problem: `line` (of the file), `field`, `value`, `reason` "
        "(in the language of the request that started the import). UTF-8 with a BOM, so "
        "spreadsheets show Arabic.",
        responses={
            200: {
                "content": {
                    "text/csv": {
                        "example": "line,field,value,reason\n"
                        "7,contact_phone,0501234,رقم الهاتف غير صالح\n"
                    }
                },
                "description": "The CSV file.",
            },
            **problems(401, 404),
        },
    )
    async def import_errors(
        job_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
    ) -> StreamingResponse:
        job = await _visible_job(session, principal, service, job_id)
        return StreamingResponse(
            _errors_csv(session, job.id),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
        )

    return router


async def _errors_csv(session: AsyncSession, job_id: uuid.UUID) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "field", "value", "reason"])
    yield ("\ufeff" + buffer.getvalue()).encode()
    after = (0, 0)
    while True:
        rows = (
            await session.execute(
                select(
                    ImportRejection.line,
                    ImportRejection.id,
                    ImportRejection.field,
                    ImportRejection.value,
                    ImportRejection.reason,
                )
                .where(
                    ImportRejection.job_id == job_id,
                    tuple_(ImportRejection.line, ImportRejection.id) > tuple_(*after),
                )
                .order_by(ImportRejection.line, ImportRejection.id)
                .limit(5000)
            )
        ).all()
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow([row.line, row.field or "", _safe(row.value), row.reason])
        yield buffer.getvalue().encode()
        after = (rows[-1].line, rows[-1].id)


def _safe(value: str | None) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value or ""
