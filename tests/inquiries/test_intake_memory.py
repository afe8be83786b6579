"""What an intake keeps between requests (`intake_memory`): contexts read once and used only
while the configuration is unchanged, and reference numbers drawn in blocks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

import asyncpg

from services.common.embedded import to_plain_url
from services.inquiries.app import create_app
from services.inquiries.repository import intake as sql
from services.inquiries.service.intake.memory import IntakeMemory
from tests.inquiries.conftest import create_category, problem, submit, submit_keyed_twice

RIYADH = ZoneInfo("Asia/Riyadh")
THURSDAY_15 = datetime(2026, 11, 19, 15, 0, tzinfo=RIYADH)


def count_reads(monkeypatch) -> list[int]:
    """Counts the context reads (`CONTEXT`) from now on."""
    reads = [0]
    read = sql.CONTEXT.row

    async def counted(driver, **params):
        reads[0] += 1
        return await read(driver, **params)

    monkeypatch.setattr(sql.CONTEXT, "row", counted)
    return reads


async def test_a_context_is_read_once_while_nothing_changes(client, world, monkeypatch):
    reads = count_reads(monkeypatch)
    org = str(world.orgs["A"])
    for n in range(3):
        await submit(client, organization_id=org, channel="majlis", subject=f"بلاغ {n}")
    assert reads[0] == 1
    # another kind is another context
    await submit(client, organization_id=org, channel="majlis", kind="suggestion")
    assert reads[0] == 2


async def test_with_the_memory_off_every_intake_reads_its_context(make_client, world, monkeypatch):
    """GOVHUB_INQUIRIES_INTAKE_MEMORY=false: the plain read, as `make bench` compares."""
    plain = await make_client(create_app, inquiries_intake_memory=False)
    reads = count_reads(monkeypatch)
    org = str(world.orgs["A"])
    references = set()
    for n in range(3):
        created = await submit(plain, organization_id=org, channel="majlis", subject=f"بلاغ {n}")
        references.add(created["reference"])
    assert reads[0] == 3 and len(references) == 3


async def test_a_holiday_added_later_moves_the_next_due_time(
    client, world, fake_clock, monkeypatch
):
    reads = count_reads(monkeypatch)
    fake_clock.set(THURSDAY_15)
    org = str(world.orgs["A"])
    before = await submit(client, organization_id=org, channel="majlis")
    # 8 business hours from Thursday 15:00 on a Sunday–Thursday week: Sunday 15:00
    assert datetime.fromisoformat(before["first_response_due"]) == datetime(
        2026, 11, 22, 15, tzinfo=RIYADH
    )
    # committed by another connection, as the directory would
    await world.directory.holiday(world.orgs["M"], date(2026, 11, 22), "اليوم الوطني")
    after = await submit(client, organization_id=org, channel="majlis")
    assert datetime.fromisoformat(after["first_response_due"]) == datetime(
        2026, 11, 23, 15, tzinfo=RIYADH
    )
    # the kept context was refused by the write and read again, once
    assert reads[0] == 2


async def test_a_category_deactivated_later_is_refused(client, world):
    category = await create_category(client, world, "R", code="lights", public=True)
    body = {"organization_id": str(world.orgs["A"]), "category_id": category["id"]}
    first = await submit(client, channel="majlis", **body)
    assert first["category_id"] == category["id"]
    admin = world.auth("org_admin@R")
    closed = await client.patch(
        f"/v1/inquiry-categories/{category['id']}", headers=admin, json={"active": False}
    )
    assert closed.status_code == 200, closed.text
    refused = await client.post(
        "/v1/inquiries",
        json={"kind": "complaint", "channel": "majlis", "subject": "إنارة", "body": "…", **body},
    )
    problem(refused, 422, field="category_id")


async def test_a_refusal_is_never_kept(client, world):
    """A kept context that now refuses is read again first: a channel registered after a
    refusal is accepted at once."""
    org = str(world.orgs["A"])
    inquiry = {"kind": "complaint", "subject": "بلاغ", "body": "نص البلاغ", "organization_id": org}
    refused = await client.post("/v1/inquiries", json={**inquiry, "channel": "sms"})
    problem(refused, 422, field="channel")
    await world.directory.channel(world.orgs["R"], "sms")
    accepted = await client.post("/v1/inquiries", json={**inquiry, "channel": "sms"})
    assert accepted.status_code == 201, accepted.text

    # and a kept context the configuration has since made refuse is read again too
    await world.directory.conn.execute(
        "UPDATE directory_channel SET active = false WHERE kind = 'sms'"
    )
    problem(await client.post("/v1/inquiries", json={**inquiry, "channel": "sms"}), 422)


async def test_reference_blocks_of_two_processes_never_collide(settings, client, world):
    """Two processes' memories drawing in blocks interleave: every number is distinct, and
    each process's numbers increase."""
    assert settings.database_url
    pool = await asyncpg.create_pool(to_plain_url(settings.database_url), min_size=1, max_size=8)
    try:
        first, second = IntakeMemory(reference_block=4), IntakeMemory(reference_block=4)
        drawn: dict[int, list[int]] = {0: [], 1: []}
        async with pool.acquire() as connection:

            @asynccontextmanager
            async def held() -> AsyncIterator[asyncpg.Connection]:
                yield connection

            for _ in range(10):
                for index, memory in enumerate((first, second)):
                    reference = await memory.reference(held, 2031)
                    assert reference.startswith("INQ-2031-")
                    drawn[index].append(int(reference.rsplit("-", 1)[1]))
        everything = drawn[0] + drawn[1]
        assert len(set(everything)) == 20
        assert all(numbers == sorted(numbers) for numbers in drawn.values())
        # blocks of four: the first process's first block is 1–4
        assert drawn[0][:4] == [1, 2, 3, 4] and drawn[1][:4] == [5, 6, 7, 8]

        # concurrent intakes of one process share its block
        third = IntakeMemory(reference_block=8)
        numbers = await asyncio.gather(*(third.reference(pool.acquire, 2031) for _ in range(8)))
        assert len(set(numbers)) == 8
        assert set(numbers) == {f"INQ-2031-{n:06d}" for n in range(25, 33)}
    finally:
        await pool.close()


async def test_a_keyed_intake_reads_afresh_inside_its_transaction(client, world, fake_clock):
    """With an `Idempotency-Key` the write runs in the request's transaction: a kept context
    the configuration has overtaken is refused and read again there, and a retry replays
    the one inquiry."""
    fake_clock.set(THURSDAY_15)
    org = str(world.orgs["A"])
    await submit(client, organization_id=org, channel="majlis")  # keeps the context
    await world.directory.holiday(world.orgs["A"], date(2026, 11, 22), "إجازة")
    first, again = await submit_keyed_twice(client, "holiday-retry-1", organization_id=org)
    assert datetime.fromisoformat(first["first_response_due"]) == datetime(
        2026, 11, 23, 15, tzinfo=RIYADH
    )
    assert again["reference"] == first["reference"]
