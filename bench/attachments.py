"""A 5 MiB upload and download through the gateway: throughput, and the peak resident memory
of the gateway and of the inquiries service (which answers `/v1/attachments`) while the
bytes stream through them.

Goal: each process's RSS grows by less than twice the chunk size
(`GOVHUB_ATTACHMENTS_CHUNK_BYTES`, 64 KiB), not by the file's size: neither holds the file.
The growth is measured against the process's RSS after a warm-up round (the first request of
a kind loads code and fills pools once), sampled every 5 ms while the transfers run.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

from bench.harness import Stack
from bench.scenarios import BENCH_ORG, mint_token, prepare_organization

NAME = "attachments"
FILE_BYTES = 5 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
ROUNDS = 5


def document() -> bytes:
    """5 MiB the detector takes for a PDF (its magic first), the rest incompressible."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    return head + os.urandom(FILE_BYTES - len(head))


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK_BYTES):
        yield data[start : start + CHUNK_BYTES]


@dataclass
class Sampler:
    """Samples the RSS of some processes in a thread; keeps each one's peak."""

    processes: dict[str, psutil.Process]
    peaks: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def rss(self) -> dict[str, int]:
        return {name: p.memory_info().rss for name, p in self.processes.items()}

    def __enter__(self) -> Sampler:
        self.peaks = self.rss()
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                for name, value in self.rss().items():
                    self.peaks[name] = max(self.peaks[name], value)
                time.sleep(0.005)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def _process_on_port(port: int) -> psutil.Process:
    for connection in psutil.net_connections(kind="tcp"):
        listening = connection.status == "LISTEN" and connection.pid is not None
        if listening and connection.laddr and connection.laddr.port == port:
            return psutil.Process(connection.pid)
    raise LookupError(f"no process listens on {port}")


async def prepare(stack: Stack) -> None:
    await prepare_organization(stack)


def run(stack: Stack) -> list[dict[str, Any]]:
    """Uploads and downloads the file `ROUNDS` times each; one row per direction."""
    token = mint_token(stack, BENCH_ORG, ["agent"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/pdf"}
    data = document()
    watched = {
        "gateway": _process_on_port(stack.ports["gateway"]),
        "inquiries": _process_on_port(stack.ports["inquiries"]),
    }
    url = f"{stack.url('gateway')}/v1/attachments"
    rows = []
    with httpx.Client(timeout=120) as client:

        def upload() -> str:
            answer = client.post(
                url, params={"filename": "تقرير.pdf"}, content=_chunks(data), headers=headers
            )
            answer.raise_for_status()
            return str(answer.json()["id"])

        def download(attachment_id: str) -> int:
            size = 0
            with client.stream("GET", f"{url}/{attachment_id}/content", headers=headers) as answer:
                answer.raise_for_status()
                for chunk in answer.iter_bytes(CHUNK_BYTES):
                    size += len(chunk)
            return size

        warm = upload()  # warm-up: code paths, pools, the spool directory
        download(warm)
        sampler = Sampler(watched)
        before = sampler.rss()
        with sampler:
            started = time.perf_counter()
            ids = [upload() for _ in range(ROUNDS)]
            upload_seconds = time.perf_counter() - started
        rows.append(_row("upload 5 MiB", upload_seconds, before, sampler.peaks))
        before = sampler.rss()
        with sampler:
            started = time.perf_counter()
            sizes = [download(i) for i in ids]
            download_seconds = time.perf_counter() - started
        assert all(size == FILE_BYTES for size in sizes), sizes
        rows.append(_row("download 5 MiB", download_seconds, before, sampler.peaks))
    return rows


def _row(
    label: str, seconds: float, before: dict[str, int], peaks: dict[str, int]
) -> dict[str, Any]:
    growth = {name: max(peaks[name] - before[name], 0) for name in before}
    limit = 2 * CHUNK_BYTES
    return {
        "scenario": NAME,
        "target": label,
        "requests": ROUNDS,
        "mib_per_s": ROUNDS * FILE_BYTES / (1024 * 1024) / seconds,
        "ms_per_request": seconds * 1000 / ROUNDS,
        "rss_mib": {name: round(peaks[name] / 2**20, 1) for name in peaks},
        "growth_kib": {name: round(value / 1024) for name, value in growth.items()},
        "goal": f"RSS growth < {limit // 1024} KiB per process",
        "result": "PASS" if all(value < limit for value in growth.values()) else "FAIL",
    }
