"""The virus-scanner hook against a stand-in clamd on loopback that speaks INSTREAM."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator

import pytest

from services.common.settings import GovhubSettings
from tests.attachments.conftest import Hub, pdf_bytes
from tests.inquiries.conftest import problem

SIGNATURE = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Reads `zINSTREAM\\0`, then length-prefixed chunks until a zero length; answers OK or
    FOUND (for the EICAR test string), as clamd does."""

    def __init__(self) -> None:
        self.scanned: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = await reader.readuntil(b"\0")
        assert command == b"zINSTREAM\0"
        data = bytearray()
        while True:
            (size,) = struct.unpack(">I", await reader.readexactly(4))
            if size == 0:
                break
            data += await reader.readexactly(size)
        self.scanned.append(bytes(data))
        found = SIGNATURE in data
        writer.write(b"stream: Eicar-Signature FOUND\0" if found else b"stream: OK\0")
        await writer.drain()
        writer.close()


@pytest.fixture
async def clamd() -> AsyncIterator[tuple[FakeClamd, str]]:
    fake = FakeClamd()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield fake, f"tcp://127.0.0.1:{port}"


@pytest.fixture
def storage_kind() -> str:
    return "local"


@pytest.fixture
async def hub_settings(settings: GovhubSettings, clamd) -> GovhubSettings:
    return settings.model_copy(update={"attachments_clamd_url": clamd[1]})


async def test_every_upload_is_scanned_and_infected_files_are_refused(hub: Hub, clamd) -> None:
    fake, _ = clamd
    staff = hub.world.auth("agent@R")
    clean = pdf_bytes()
    answer = await hub.api.post(
        "/v1/attachments", content=clean, params={"filename": "a.pdf"}, headers=staff
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["scan_status"] == "clean"
    assert fake.scanned == [clean]

    infected = clean + SIGNATURE
    refused = await hub.api.post(
        "/v1/attachments", content=infected, params={"filename": "b.pdf"}, headers=staff
    )
    body = problem(refused, 422, "attachment_infected")
    assert body["signature"] == "Eicar-Signature"
    count = await hub.world.directory.conn.fetchval("SELECT count(*) FROM common_attachment")
    assert count == 1


async def test_a_silent_scanner_refuses_the_upload(hub: Hub) -> None:
    # the stand-in is gone: nothing listens on its port any more
    silent = hub.settings.model_copy(update={"attachments_clamd_url": "tcp://127.0.0.1:9"})
    hub.service.state.settings = silent
    answer = await hub.api.post(
        "/v1/attachments",
        content=pdf_bytes(),
        params={"filename": "a.pdf"},
        headers=hub.world.auth("agent@R"),
    )
    problem(answer, 503, "scanner_unavailable")
