"""Where the bytes live, behind one interface: files under the data dir, or an S3-compatible
object store (AWS S3, MinIO, Ceph, …) through aiobotocore.

An upload is first written to a spool file (hashed, sniffed and counted on the way, see
`upload`); `put` then moves it into place: a rename on the local disk, an upload for S3.
Reads stream ranges in chunks of `GOVHUB_ATTACHMENTS_CHUNK_BYTES`, so neither side ever
holds a whole file in memory.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Protocol

from services.common.settings import GovhubSettings


class StoredObjectMissing(Exception):
    """The record names an object the storage does not hold (deleted or never written)."""


class Storage(Protocol):
    name: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def put(self, key: str, source: Path) -> None:
        """Moves the finished spool file `source` into the storage under `key`."""

    def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes `start` to `end` (inclusive) of the object, in chunks."""

    async def delete(self, key: str) -> None:
        """Removes the object; no error when it is already gone."""


def spool_dir(settings: GovhubSettings) -> Path:
    """Where uploads are written while they arrive (on the data dir's disk, so a local
    `put` is a rename)."""
    return settings.resolved_data_dir / "attachments" / "spool"


class LocalStorage:
    """Files under `<data dir>/attachments/objects/<2 hex>/<key>`."""

    name = "local"

    def __init__(self, root: Path, chunk_bytes: int) -> None:
        self.root = root
        self.chunk_bytes = chunk_bytes

    def _path(self, key: str) -> Path:
        if not key.isalnum():  # keys are ours (hex ids), never a path from a client
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key[:2] / key

    async def open(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    async def put(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        try:
            handle = await asyncio.to_thread(self._path(key).open, "rb")
        except FileNotFoundError as exc:
            raise StoredObjectMissing(key) from exc
        try:
            await asyncio.to_thread(handle.seek, start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = await asyncio.to_thread(handle.read, min(self.chunk_bytes, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects `attachments/<key>` in one bucket of an S3-compatible store."""

    name = "s3"

    def __init__(self, settings: GovhubSettings) -> None:
        self.settings = settings
        self.bucket = settings.attachments_s3_bucket
        self.chunk_bytes = settings.attachments_chunk_bytes
        self._stack: AsyncExitStack | None = None
        self._client: Any = None

    @staticmethod
    def object_key(key: str) -> str:
        return f"attachments/{key}"

    async def open(self) -> None:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        settings = self.settings
        config = AioConfig(
            # S3-compatible stores do not all speak the newest default checksums
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"},
        )
        self._stack = AsyncExitStack()
        self._client = await self._stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=settings.attachments_s3_endpoint_url,
                region_name=settings.attachments_s3_region,
                aws_access_key_id=settings.attachments_s3_access_key_id,
                aws_secret_access_key=settings.attachments_s3_secret_access_key,
                config=config,
            )
        )
        if settings.attachments_s3_create_bucket:
            await self._ensure_bucket()

    async def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            await self._client.head_bucket(Bucket=self.bucket)
        except ClientError:
            await self._client.create_bucket(Bucket=self.bucket)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def put(self, key: str, source: Path) -> None:
        try:
            body = await asyncio.to_thread(source.open, "rb")
            with body:  # streamed from the file by the HTTP client
                size = os.fstat(body.fileno()).st_size
                await self._client.put_object(
                    Bucket=self.bucket, Key=self.object_key(key), Body=body, ContentLength=size
                )
        finally:
            await asyncio.to_thread(source.unlink, missing_ok=True)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        from botocore.exceptions import ClientError

        try:
            answer = await self._client.get_object(
                Bucket=self.bucket, Key=self.object_key(key), Range=f"bytes={start}-{end}"
            )
        except ClientError as exc:
            raise StoredObjectMissing(key) from exc
        async with answer["Body"] as body:
            async for chunk in body.iter_chunks(self.chunk_bytes):
                yield chunk

    async def delete(self, key: str) -> None:
        await self._client.delete_object(Bucket=self.bucket, Key=self.object_key(key))


def build_storage(settings: GovhubSettings) -> Storage:
    """The storage the settings name (not opened: call `open` in a lifespan)."""
    if settings.attachments_storage == "s3":
        return S3Storage(settings)
    root = settings.resolved_data_dir / "attachments" / "objects"
    return LocalStorage(root, settings.attachments_chunk_bytes)
