"""Serving stored bytes: a strong `ETag` (the sha256), `If-None-Match`, one `Range` (with
`If-Range`), and headers that keep a browser from running what it downloads."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from services.common.attachments.models import Attachment
from services.common.attachments.safety import EXTENSIONS, INLINE_TYPES
from services.common.attachments.storage import Storage, StoredObjectMissing
from services.common.errors import DomainError


class ContentMissing(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "محتوى المرفق غير متاح", "The attachment's content is not available", "gone", 410
        )


class RangeNotSatisfiable(DomainError):
    def __init__(self, size: int) -> None:
        super().__init__(
            "النطاق المطلوب خارج حجم الملف",
            "The requested range lies outside the file",
            "range_not_satisfiable",
            416,
            headers={"Content-Range": f"bytes */{size}"},
        )


def etag_of(attachment: Attachment) -> str:
    return f'"{attachment.sha256}"'


def content_disposition(filename: str, content_type: str) -> str:
    """`inline` only for raster images; everything else is a download. The name twice: an
    ASCII fallback and the exact (Arabic) name per RFC 6266 / RFC 8187."""
    kind = "inline" if content_type in INLINE_TYPES else "attachment"
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '"\\;').strip()
    stem = ascii_name.rsplit(".", 1)[0].strip(" ._-")
    if not stem:
        ascii_name = "attachment" + EXTENSIONS.get(content_type, "")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The one byte range of `bytes=a-b`, `bytes=a-` or `bytes=-n` (inclusive ends), or
    None when the header is not one such range (then the whole file is sent, as RFC 9110
    allows). 416 when it lies outside the file."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    if (first and not first.isdigit()) or (last and not last.isdigit()):
        return None
    if not first:  # suffix: the last n bytes
        if not last or int(last) == 0:
            raise RangeNotSatisfiable(size)
        return max(size - int(last), 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, end


def _matches(header: str, tag: str) -> bool:
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    return "*" in candidates or tag in candidates


async def content_response(request: Request, storage: Storage, attachment: Attachment) -> Response:
    tag = etag_of(attachment)
    size = attachment.size
    headers = {
        "ETag": tag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(attachment.filename, attachment.content_type),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cross-Origin-Resource-Policy": "same-site",
        "Cache-Control": "private, no-cache",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None and _matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    span: tuple[int, int] | None = None
    range_header = request.headers.get("range")
    if range_header and size > 0:
        if_range = request.headers.get("if-range")
        if if_range is None or if_range.strip() == tag:
            span = parse_range(range_header, size)
    start, end = span if span is not None else (0, size - 1)
    chunks = storage.read(attachment.storage_key, start, end)
    first = await _first(chunks)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return StreamingResponse(
        _chain(first, chunks),
        status_code=206 if span is not None else 200,
        media_type=attachment.content_type,
        headers=headers,
    )


async def _first(chunks: AsyncIterator[bytes]) -> bytes:
    """The first chunk, read before the status is sent: a missing object is a problem
    response, not a broken stream."""
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return b""
    except StoredObjectMissing as exc:
        raise ContentMissing() from exc


async def _chain(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk
