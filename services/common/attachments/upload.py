"""Receiving an upload: the body streams into a spool file while it is counted, hashed and
its type sniffed; nothing is ever held whole in memory.

Two shapes: the raw body (`?filename=` names it; the declared `Content-Type` is not
trusted), or the `file` field of a `multipart/form-data` body, parsed as it arrives by
python-multipart's push parser. A body over the caller's limit stops at the first byte past
it (413), a type outside the caller's allow-list at the first 8 KiB (415); either way the
spool file is deleted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from services.common.attachments.safety import SNIFF_BYTES, check_type
from services.common.errors import BadRequest, PayloadTooLarge, ValidationFailed

FILE_FIELD = b"file"
MAX_PART_HEADERS = 16 * 1024


def _missing_file() -> ValidationFailed:
    return ValidationFailed(
        "file", "أرسل الملف في الحقل file", "Send the file in the `file` field of the form"
    )


def _empty() -> ValidationFailed:
    return ValidationFailed("file", "الملف فارغ", "The file is empty")


@dataclass
class Received:
    """A finished upload in its spool file."""

    path: Path
    size: int
    sha256: str
    content_type: str
    filename: str | None


@dataclass
class SpoolSink:
    """Writes chunks to a spool file, counting, hashing and sniffing on the way."""

    directory: Path
    limit: int
    caller_kind: str
    size: int = 0
    content_type: str | None = None
    head: bytearray = field(default_factory=bytearray)
    _digest: Any = field(default_factory=hashlib.sha256)
    _file: Any = None

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=self.directory, prefix="upload-")
        self.path = Path(name)
        self._file = os.fdopen(descriptor, "wb")

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        if self.size > self.limit:
            raise PayloadTooLarge(self.limit)
        if self.content_type is None:
            self.head += data[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self.content_type = check_type(bytes(self.head), self.caller_kind)
        self._digest.update(data)
        self._file.write(data)

    def finish(self, filename: str | None) -> Received:
        self._file.close()
        if self.size == 0:
            raise _empty()
        if self.content_type is None:  # shorter than the sniffing window
            self.content_type = check_type(bytes(self.head), self.caller_kind)
        return Received(self.path, self.size, self._digest.hexdigest(), self.content_type, filename)

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def declared_length(headers: Any) -> int | None:
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None


async def receive_raw(
    chunks: AsyncIterator[bytes], sink: SpoolSink, filename: str | None
) -> Received:
    try:
        async for chunk in chunks:
            sink.write(chunk)
        return sink.finish(filename)
    except BaseException:
        sink.discard()
        raise


class _FormReader:
    """The callbacks of the multipart push parser: the `file` part goes to the sink, other
    parts are skipped; part headers are bounded."""

    def __init__(self, sink: SpoolSink) -> None:
        self.sink = sink
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.header_bytes = 0
        self.in_file = False
        self.found = False
        self.filename: str | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value_data,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers, self.header_bytes = {}, 0
        self.header_name.clear()
        self.header_value.clear()

    def _count(self, amount: int) -> None:
        self.header_bytes += amount
        if self.header_bytes > MAX_PART_HEADERS:
            raise BadRequest(
                "ترويسات جزء النموذج أطول من المسموح",
                "A form part's headers are too long",
                code="malformed_multipart",
            )

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._count(end - start)
        self.header_name += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._count(end - start)
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[bytes(self.header_name).lower()] = bytes(self.header_value)
        self.header_name.clear()
        self.header_value.clear()

    def headers_finished(self) -> None:
        disposition = self.headers.get(b"content-disposition", b"")
        _, options = parse_options_header(disposition.decode("latin-1"))
        self.in_file = options.get(b"name") == FILE_FIELD and not self.found
        if self.in_file:
            raw = options.get(b"filename")
            if raw is not None:
                # browsers send the name's UTF-8 bytes as they are (RFC 7578 §4.2)
                try:
                    self.filename = raw.decode("utf-8")
                except UnicodeDecodeError:
                    self.filename = raw.decode("latin-1")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.sink.write(data[start:end])

    def part_end(self) -> None:
        if self.in_file:
            self.found = True
            self.in_file = False


async def receive_multipart(
    chunks: AsyncIterator[bytes], content_type: str, sink: SpoolSink
) -> Received:
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    try:
        if not boundary:
            raise BadRequest(
                "نموذج multipart بلا حد فاصل (boundary)",
                "The multipart body names no boundary",
                code="malformed_multipart",
            )
        reader = _FormReader(sink)
        try:
            parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
            async for chunk in chunks:
                parser.write(chunk)
            parser.finalize()
        except FormParserError as exc:
            raise BadRequest(
                "نموذج multipart غير صالح",
                "The multipart body is malformed",
                code="malformed_multipart",
            ) from exc
        if not reader.found:
            raise _missing_file()
        return sink.finish(reader.filename)
    except BaseException:
        sink.discard()
        raise


async def receive(
    chunks: AsyncIterator[bytes],
    *,
    content_type: str,
    filename: str | None,
    sink: SpoolSink,
) -> Received:
    """The upload in `chunks` (a request's body stream), as its media type says."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        received = await receive_multipart(chunks, content_type, sink)
        if filename is not None:  # `?filename=` wins over the part's own
            received.filename = filename
        return received
    return await receive_raw(chunks, sink, filename)
