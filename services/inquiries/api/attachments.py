"""`/v1/attachments`: upload a file, read its metadata and its bytes (every service's)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from fastapi.routing import APIRoute

from services.common.app import new_router
from services.common.attachments.content import content_response
from services.common.attachments.schemas import AttachmentOut, attachment_out
from services.common.attachments.storage import Storage
from services.common.attachments.upload import declared_length
from services.common.auth import OptionalPrincipalDep
from services.common.db import SessionDep, session_of
from services.common.idempotency import idempotency_for_digest
from services.common.pagination import Page, PageDep
from services.common.problems import ProblemResponses
from services.common.responses import json_response
from services.inquiries.api.deps import SettingsDep, TrackingToken
from services.inquiries.service import attachments

router = new_router(prefix="/v1/attachments", tags=["attachments"])

_PROBLEMS = {
    400: "A malformed multipart body, or an invalid `Idempotency-Key`.",
    404: "No such attachment, or not one the caller may read (no difference is shown).",
    409: "The `Idempotency-Key` was used for another upload.",
    410: "The record exists but its bytes are gone from the storage.",
    413: "Larger than the caller's limit (anonymous 10 MiB, staff 50 MiB by default); "
    "refused before anything is stored.",
    415: "The bytes are not of a type the caller may upload (the `Content-Type` and the "
    "file name are not trusted).",
    416: "`Range` outside the file.",
    422: "No `file` part, an empty file, a file name with NUL, or an image that cannot be "
    "read; `errors` names the field.",
    503: "The virus scanner (when configured) does not answer.",
}


problems = ProblemResponses(_PROBLEMS)


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.attachment_storage
    return storage


UPLOAD_BODY = {
    "required": True,
    "description": "The file: the whole body (any `Content-Type`; name it with `?filename=`), "
    "or the `file` field of a `multipart/form-data` body.",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The file."}
                },
            }
        },
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}


async def upload_attachment(
    request: Request,
    principal: OptionalPrincipalDep,
    settings: SettingsDep,
    filename: Annotated[
        str | None,
        Query(
            max_length=255,
            description="The file's name, for display and downloads (Arabic kept). For a "
            "multipart body it overrides the part's own name.",
            examples=["صورة الحفرة.jpg"],
        ),
    ] = None,
) -> Response:
    prepared = await attachments.receive_upload(
        settings,
        principal,
        request.stream(),
        content_type=request.headers.get("content-type", ""),
        filename=filename,
        declared=declared_length(request.headers),
    )
    try:
        await idempotency_for_digest(request, prepared.received_sha256)
    except BaseException:
        prepared.discard()
        raise
    attachment = await attachments.store_upload(
        session_of(request), _storage(request), prepared, principal
    )
    body = attachment_out(attachment).model_dump(mode="json")
    headers = {"Location": f"/v1/attachments/{attachment.id}", "Cache-Control": "no-store"}
    return json_response(body, 201, headers)


# The body streams into storage as it arrives: a plain route, without the kernel route's
# dependency that reads the whole body for `Idempotency-Key` (handled above, by digest).
router.add_api_route(
    "",
    upload_attachment,
    methods=["POST"],
    status_code=201,
    route_class_override=APIRoute,
    response_model=AttachmentOut,
    summary="Upload a file",
    description="""Staff, machine clients and anonymous citizens (the gateway rate-limits
them). Send the file as the whole body with `?filename=`, or as the `file` field of a
`multipart/form-data` body. The body streams to storage; its SHA-256 is computed on the way.

**Safety**: the type is sniffed from the bytes (the `Content-Type` and the name are not
trusted) and checked against the caller's allow-list — citizens: JPEG, PNG, WebP, PDF (10
MiB); staff and machine clients also Office/OpenDocument files, MP4 and audio (50 MiB).
Images are re-encoded without metadata (EXIF with GPS position and device, XMP, comments),
turned upright first; `sha256` and `size` describe the stored bytes. The name keeps its
Arabic and loses any path or control characters. With a ClamAV daemon configured, every
file is scanned first. An `Idempotency-Key` replays the first answer for the same content.

**Ownership**: cite the id in `attachment_ids` of an inquiry, a staff or citizen message,
a calendar entry, a milestone completion, a KPI value or a report; the first reference owns
it, and it is then read by whoever may read that. An upload nothing references within 24
hours is deleted.""",
    responses=problems(400, 409, 413, 415, 422, 503),
    openapi_extra={"requestBody": UPLOAD_BODY},
)


@router.get(
    "",
    summary="Attachments of a resource",
    response_model=Page[AttachmentOut],
    description="Every attachment of `owner_id` and of what belongs to it (an inquiry and "
    "its messages), oldest first: to its staff; with the `X-Tracking-Token` of an inquiry, "
    "the files of its public timeline.",
    responses=problems(400, 404),
)
async def list_attachments(
    session: SessionDep,
    principal: OptionalPrincipalDep,
    page: PageDep,
    owner_id: Annotated[
        uuid.UUID, Query(description="The resource (an inquiry, entry, milestone …).")
    ],
    token: TrackingToken = None,
) -> Page[AttachmentOut]:
    rows, cursor = await attachments.list_for_parent(session, principal, token, owner_id, page)
    return Page(items=[attachment_out(a) for a in rows], next_cursor=cursor)


@router.get(
    "/{attachment_id}",
    summary="An attachment's metadata",
    response_model=AttachmentOut,
    description="To whoever may read what it is attached to (its uploader until then); a "
    "citizen reads the files of their inquiry's public timeline with `X-Tracking-Token`. "
    "Others 404.",
    responses=problems(404),
)
async def get_attachment(
    attachment_id: uuid.UUID,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    token: TrackingToken = None,
) -> Response:
    attachment = await attachments.readable(session, principal, token, attachment_id)
    body = attachment_out(attachment).model_dump(mode="json")
    return json_response(body, headers={"ETag": f'"{attachment.sha256}"'})


@router.get(
    "/{attachment_id}/content",
    summary="An attachment's bytes",
    response_class=Response,
    description="The stored bytes, streamed, to the same readers as the metadata. `ETag` is "
    "the SHA-256 (`If-None-Match` → 304); one `Range` (`bytes=a-b`, `a-`, `-n`, with "
    "`If-Range`) → 206. `Content-Disposition` is `inline` only for images, a download for "
    "everything else, with the Arabic name (RFC 6266); `X-Content-Type-Options: nosniff` and "
    "a sandboxing `Content-Security-Policy` keep browsers from running anything.",
    responses={
        200: {
            # the attachment's own media type (an image, a PDF, an office document, audio…)
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The bytes, as the media type the attachment was stored with.",
        },
        206: {
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The requested range (`Content-Range`).",
        },
        304: {"description": "`If-None-Match` names the current `ETag`."},
        **problems(404, 410, 416),
    },
)
async def get_content(
    attachment_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: OptionalPrincipalDep,
    token: TrackingToken = None,
) -> Response:
    attachment = await attachments.readable(session, principal, token, attachment_id)
    return await content_response(request, _storage(request), attachment)
