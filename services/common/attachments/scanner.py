"""The virus-scanner hook: ClamAV's daemon (clamd) scans each upload before it is stored,
when `GOVHUB_ATTACHMENTS_CLAMD_URL` names one.

clamd's INSTREAM command takes the file as chunks, each prefixed by its length as a 4-byte
big-endian integer, ended by a zero-length chunk; it answers `stream: OK` or
`stream: <signature> FOUND`. An infected file is refused (422) and not kept; a daemon that
does not answer refuses the upload (503) rather than letting an unscanned file through.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from services.common.errors import DomainError

SCAN_CHUNK = 64 * 1024
TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class ScanResult:
    status: str  # "clean" | "not_scanned"
    detail: str | None = None


NOT_SCANNED = ScanResult("not_scanned")


class Infected(DomainError):
    def __init__(self, signature: str) -> None:
        super().__init__(
            "رُفض الملف: وجد فيه الفاحص برمجية ضارة",
            "The file was refused: the virus scanner found malware in it",
            "attachment_infected",
            422,
            extra={"signature": signature},
        )


class ScannerUnavailable(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "فاحص الفيروسات لا يستجيب؛ أعد المحاولة لاحقاً",
            "The virus scanner does not answer; try again later",
            "scanner_unavailable",
            503,
            headers={"Retry-After": "30"},
        )


async def _connect(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return await asyncio.open_unix_connection(parts.path)
    if parts.scheme == "tcp" and parts.hostname:
        return await asyncio.open_connection(parts.hostname, parts.port or 3310)
    raise ValueError(f"unsupported clamd URL {url!r} (tcp://host:port or unix:///path)")


async def _instream(url: str, path: Path) -> str:
    reader, writer = await _connect(url)
    try:
        writer.write(b"zINSTREAM\0")
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_CHUNK):
                writer.write(struct.pack(">I", len(chunk)) + chunk)
                await writer.drain()
        writer.write(struct.pack(">I", 0))
        await writer.drain()
        answer = await reader.readuntil(b"\0")
    finally:
        writer.close()
    return answer.rstrip(b"\0").decode("utf-8", "replace").strip()


async def scan(url: str | None, path: Path) -> ScanResult:
    """Scans the file with clamd at `url`; NOT_SCANNED when no daemon is configured."""
    if not url:
        return NOT_SCANNED
    try:
        answer = await asyncio.wait_for(_instream(url, path), TIMEOUT_SECONDS)
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        raise ScannerUnavailable() from exc
    verdict = answer.partition(":")[2].strip()
    if verdict == "OK":
        return ScanResult("clean", "clamd: OK")
    if verdict.endswith("FOUND"):
        raise Infected(verdict.removesuffix("FOUND").strip())
    raise ScannerUnavailable()  # "… ERROR" (e.g. size limit exceeded): not a verdict
