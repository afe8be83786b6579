"""References: `INQ-<year>-<n>`, unique per year under concurrent intake, restarting each
year."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

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
