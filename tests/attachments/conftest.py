"""Attachments fixtures: the real inquiries service on a loopback port behind a real
gateway, on local storage or on an S3-compatible server (moto's, on loopback), and test
files made here (a JPEG carrying GPS EXIF, a PDF, an executable)."""

from __future__ import annotations

import asyncio
import io
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from PIL import Image

from gateway.app import create_gateway_app
from services.common.settings import GovhubSettings
from services.inquiries.app import create_app
from tests.inquiries.factories import World, build_world

# where the photo says it was taken (24°42'49"N 46°40'31"E): must never be served
GPS = {1: "N", 2: (24.0, 42.0, 49.0), 3: "E", 4: (46.0, 40.0, 31.0)}


def jpeg_with_gps(size: tuple[int, int] = (64, 48), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 15 Pro"  # Model
    exif[0x0112] = orientation
    exif[0x8825] = GPS  # the GPS IFD
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(
        out, "JPEG", exif=exif.tobytes(), comment=b"device-serial-123"
    )
    return out.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(out, "PDF")
    return out.getvalue()


# the first bytes of a Windows executable (an MZ header with its PE pointer), padded
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free loopback port (its lifespan run by uvicorn)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server on loopback for the whole session (moto's server mode)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_settings(endpoint: str) -> dict[str, Any]:
    return {
        "attachments_storage": "s3",
        "attachments_s3_endpoint_url": endpoint,
        "attachments_s3_bucket": f"govhub-{uuid.uuid4().hex[:12]}",
        "attachments_s3_access_key_id": "testing",
        "attachments_s3_secret_access_key": "testing",
        "attachments_s3_create_bucket": True,
    }


@dataclass
class Hub:
    """A gateway in front of the real inquiries service, and the test world."""

    api: httpx.AsyncClient  # the gateway
    world: World
    settings: GovhubSettings
    service: Any  # the inquiries app (its state holds the storage)


@pytest.fixture(params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def hub_settings(
    settings: GovhubSettings, storage_kind: str, request: pytest.FixtureRequest
) -> GovhubSettings:
    if storage_kind == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        return settings.model_copy(update=s3_settings(endpoint))
    return settings


@pytest.fixture
async def hub(hub_settings: GovhubSettings) -> AsyncIterator[Hub]:
    async with AsyncExitStack() as stack:
        service_app = create_app(hub_settings)
        url = await stack.enter_async_context(serve(service_app))
        gateway_settings = hub_settings.model_copy(update={"inquiries_url": url})
        gateway = await stack.enter_async_context(
            LifespanManager(create_gateway_app(gateway_settings))
        )
        api = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway.app, client=("198.51.100.20", 4000)),
                base_url="http://testserver",
                timeout=30,
            )
        )
        world = await build_world(hub_settings)
        stack.push_async_callback(world.directory.close)
        yield Hub(api, world, hub_settings, service_app)
