"""What an intake keeps between requests, per process: the contexts it has read and a block
of reference numbers.

The context of an intake (the category and how it relates to the caller, the organization
and its intake default, the channel, the SLA policy, the calendar and holidays) is
configuration: it changes seldom and is read by every intake. A context is kept with the
configuration generation it was read at (`common.models.ConfigGeneration`, raised at the
commit of any change to those tables), and the intake's write inserts only while the
generation still holds (`repository.intake.WRITE`). So a kept context saves a round trip
and PostgreSQL's work of reading it, and is never used once a change has committed: the
write then inserts nothing, everything kept is dropped and the intake reads afresh. A kept
context that leads to a refusal (an unknown channel, say) is read again before refusing.
The generation moves when a change commits, so a unit of work that changes configuration
and then takes intakes in the same transaction (the demo loader) must not share a memory
across them: `intake.create_inquiry` without one reads every context afresh.

Reference numbers come from one sequence; a process draws `GOVHUB_INQUIRIES_REFERENCE_BLOCK`
values at a time, as a PostgreSQL sequence with `CACHE` does for a session. Numbers stay
unique and increasing within a process; a process that stops leaves the rest of its block
unused (a gap, as a rolled-back intake leaves one). Each year's base is read once.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from services.inquiries.repository import intake as sql

# contexts kept per process: one per (category, caller's organization, organization named,
# channel, kind, priority) in use, far fewer than this in any deployment
KEPT_CONTEXTS = 4096

# gives an asyncpg connection (or the request's) for the block's round trips
Connect = Callable[[], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True)
class Context:
    """The rows an intake decides on: what the request names and what the receiving
    organization decides (the same row when the request names its organization)."""

    named: Any
    receiving: Any
    generation: int


class IntakeMemory:
    def __init__(self, reference_block: int = 1, kept: int = KEPT_CONTEXTS) -> None:
        self._contexts: OrderedDict[Hashable, Context] = OrderedDict()
        self._kept = kept
        self._block = reference_block
        self._values: deque[int] = deque()
        self._bases: dict[int, int] = {}
        self._drawing = asyncio.Lock()

    # contexts

    def context(self, key: Hashable) -> Context | None:
        found = self._contexts.get(key)
        if found is not None:
            self._contexts.move_to_end(key)
        return found

    def keep(self, key: Hashable, context: Context) -> None:
        self._contexts[key] = context
        self._contexts.move_to_end(key)
        while len(self._contexts) > self._kept:
            self._contexts.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._contexts.pop(key, None)

    def forget_all(self) -> None:
        self._contexts.clear()

    # references

    def forget_references(self) -> None:
        """Drops the block's values not used yet. PostgreSQL makes a sequence's advance
        durable only with a later commit, so after the server was lost (a crash, a kill)
        the sequence may restart below values this process still holds: one kept from
        before could be drawn again elsewhere, two inquiries with one reference."""
        self._values.clear()

    async def reference(self, connect: Connect, year: int) -> str:
        """`INQ-<year>-<n>`: n = value − base + 1, the value from this process's block and
        the base the first value seen in that year (written once: first intake wins, a
        concurrent first intake waits for it). A value drawn before another process set
        the year's base (only at the turn of a year) is below it and skipped. `connect`
        gives a connection for a round trip when one is needed (a new block, a new year)."""
        while True:
            value = await self._value(connect)
            base = self._bases.get(year)
            if base is None:
                async with connect() as driver:
                    await sql.SET_REFERENCE_BASE.execute(driver, year=year, base=value)
                    found = await sql.REFERENCE_BASE.row(driver, year=year)
                assert found is not None
                base = self._bases[year] = int(found.base)
            if value >= base:
                return f"INQ-{year}-{value - base + 1:06d}"

    async def _value(self, connect: Connect) -> int:
        while not self._values:
            async with self._drawing:
                if not self._values:  # not drawn meanwhile by another intake
                    async with connect() as driver:
                        rows = await sql.RESERVE_REFERENCES.rows(driver, count=self._block)
                    self._values.extend(sorted(int(row["value"]) for row in rows))
        return self._values.popleft()
