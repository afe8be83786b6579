"""References: `INQ-<year>-<n>`, unique per year under concurrent intake, restarting each
year."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.database import fetch
from tests.inquiries.conftest import submit

RIYADH = ZoneInfo("Asia/Riyadh")


async def test_concurrent_intakes_get_distinct_references(client, world, fake_clock):
    fake_clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=RIYADH))  # a year nobody used yet
    org = str(world.orgs["A"])
    receipts = await asyncio.gather(
        *[submit(client, organization_id=org, subject=f"بلاغ {n}") for n in range(20)]
    )
    references = [r["reference"] for r in receipts]
    assert len(set(references)) == 20
    assert all(r.startswith("INQ-2027-") for r in references)
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers[0] >= 1 and numbers[-1] < 100  # small, human-friendly numbers

    # a new year starts again at 1 (the year is Riyadh's: 2027-12-31 21:30 UTC is 2028)
    fake_clock.set(datetime(2028, 1, 1, 0, 30, tzinfo=RIYADH))
    first = await submit(client, organization_id=org)
    assert first["reference"] == "INQ-2028-000001"
    second = await submit(client, organization_id=org)
    assert second["reference"] == "INQ-2028-000002"


async def test_a_reference_drawn_again_after_a_crash_gets_a_new_one(client, world, settings):
    """PostgreSQL makes a sequence's advance durable only with a later commit, so after a
    crash the reference sequence can restart below numbers already given. An intake whose
    reference is taken draws another one (and drops what its process kept) instead of
    answering 500."""
    org = str(world.orgs["A"])
    first = await submit(client, organization_id=org)
    # the sequence restarts below the values just used, as after a crash
    await fetch(settings, "SELECT setval('inquiry_reference_seq', 1, false)")
    memory = client.app.state.intake_memory
    memory.forget_references()  # what the process held is drawn again from the start
    received = [await submit(client, organization_id=org) for _ in range(3)]
    references = [first["reference"], *(r["reference"] for r in received)]
    assert len(set(references)) == 4, references
