"""The upload of an import: streamed to a file under the data dir, never held in memory.

The file is the request body with its media type, or the `file` field of a
`multipart/form-data` body (Starlette spools the part to a temporary file past 1 MiB; it is
copied over in chunks). The body limit (`GOVHUB_MAX_IMPORT_BODY_BYTES`, 200 MiB) is
enforced while the bytes arrive (`bodylimit.BodyLimitMiddleware`, and counted here too).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from services.common.errors import DomainError, PayloadTooLarge
from services.common.imports.readers import normalize_encoding
from services.common.settings import GovhubSettings

CHUNK = 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/jsonlines": "jsonl",
    "text/calendar": "ics",
    XLSX: "xlsx",
}
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx", ".ics": "ics"}


@dataclass
class Upload:
    path: Path
    size: int
    format: str
    encoding: str | None
    filename: str | None
    sha256: str = ""  # of the bytes received: stands for the body for `Idempotency-Key`


def upload_dir(settings: GovhubSettings) -> Path:
    path = settings.resolved_data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def unsupported(media_type: str) -> DomainError:
    return DomainError(
        f"نوع الملف «{media_type}» غير مدعوم: CSV أو JSON Lines أو ‎.xlsx أو ‎.ics",
        f"The file type '{media_type}' is not supported: CSV, JSON Lines, .xlsx or .ics",
        "unsupported_media_type",
        415,
    )


def _parse_media_type(header: str) -> tuple[str, dict[str, str]]:
    kind, *params = header.split(";")
    parsed = {}
    for param in params:
        name, _, value = param.strip().partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), parsed


def format_of(content_type: str | None, filename: str | None) -> tuple[str, str | None]:
    """The format and the declared encoding of a file from its media type, else from its
    name (`application/octet-stream`, or a part without a type)."""
    media_type, params = _parse_media_type(content_type or "application/octet-stream")
    found = MEDIA_TYPES.get(media_type)
    if found is None and filename:
        found = EXTENSIONS.get(Path(filename).suffix.lower())
    if found is None:
        raise unsupported(media_type)
    charset = params.get("charset")
    encoding = normalize_encoding(charset)
    if charset and encoding is None:
        raise DomainError(
            f"الترميز «{charset}» غير مدعوم: UTF-8 أو Windows-1256",
            f"The charset '{charset}' is not supported: UTF-8 or Windows-1256",
            "unsupported_media_type",
            415,
        )
    return found, encoding


async def _save_stream(chunks: Any, path: Path, limit: int) -> tuple[int, str]:
    size = 0
    digest = hashlib.sha256()
    with path.open("wb") as out:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(limit)
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


async def _file_chunks(upload: UploadFile) -> Any:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def receive_upload(
    request: Request, settings: GovhubSettings, name: str, filename: str | None
) -> Upload:
    """Writes the request's file to `<data dir>/imports/<name>.<format>`."""
    limit = settings.max_import_body_bytes
    content_type = request.headers.get("content-type")
    media_type, _ = _parse_media_type(content_type or "")
    directory = upload_dir(settings)
    if media_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=20)
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise DomainError(
                "أرسل الملف في الحقل file",
                "Send the file in the `file` field",
                "validation_failed",
                422,
            )
        filename = filename or part.filename
        format, encoding = format_of(part.content_type, filename)
        path = directory / f"{name}.{format}"
        chunks = _file_chunks(part)
    else:
        format, encoding = format_of(content_type, filename)
        path = directory / f"{name}.{format}"
        chunks = request.stream()
    try:
        size, sha256 = await _save_stream(chunks, path, limit)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    if size == 0:
        os.unlink(path)
        raise DomainError("الملف فارغ", "The file is empty", "validation_failed", 422)
    return Upload(path, size, format, encoding, filename, sha256)
