"""Outbox handlers used by the worker tests (loaded via GOVHUB_WORKER_HANDLER_MODULES)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.outbox import Event, handles


@handles("test.slow")
async def slow_once(event: Event, session: AsyncSession) -> None:
    """Hangs on its first attempt (so the test can kill the worker), succeeds afterwards."""
    folder = Path(event.payload["folder"])
    started = folder / "started"
    if not started.exists():
        started.write_text(str(event.id))
        await asyncio.sleep(120)
    (folder / "delivered").write_text(str(event.id))
