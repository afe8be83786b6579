"""Group commit of intakes (`intake_writer`): concurrent intakes share a batch, and each still
learns its own outcome — written, its generation moved, or its own failure."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from services.common.outbox import delivery_payload
from services.inquiries.service.intake.writer import IntakeWriter
from tests.inquiries.conftest import submit, submit_keyed_twice


async def stored(world, inquiry_ids: list[uuid.UUID]) -> dict[str, int]:
    """How many rows the intake wrote for these inquiries, table by table."""
    row = await world.directory.conn.fetchrow(
        """SELECT
             (SELECT count(*) FROM inquiry WHERE id = ANY($1)) AS inquiry,
             (SELECT count(*) FROM inquiry_event WHERE inquiry_id = ANY($1)) AS history,
             (SELECT count(*) FROM common_audit_log WHERE resource_id = ANY($1)) AS audit,
             (SELECT count(*) FROM common_outbox WHERE aggregate_id = ANY($1)) AS outbox,
             (SELECT count(*) FROM common_pgqueuer q JOIN common_outbox o
                ON convert_from(q.payload, 'UTF8') = o.id::text
              WHERE o.aggregate_id = ANY($1)) AS jobs""",
        inquiry_ids,
    )
    return dict(row)


@pytest.fixture
async def captured(client, world, monkeypatch) -> dict[str, Any]:
    """`WRITE`'s parameters of one real intake with a kept context."""
    writer: IntakeWriter = client.app.state.intake_writer
    seen: list[dict[str, Any]] = []
    write = writer.write

    async def recording(**params: Any) -> bool:
        seen.append(params)
        return await write(**params)

    monkeypatch.setattr(writer, "write", recording)
    org = str(world.orgs["A"])
    await submit(client, organization_id=org, channel="majlis")  # reads and keeps the context
    await submit(client, organization_id=org, channel="majlis")  # the context kept
    monkeypatch.undo()
    # both written by the writer: the first unconditionally (just read), the second while
    # its generation holds
    assert [params["generation"] is None for params in seen] == [True, False]
    return seen[1]


def another(params: dict[str, Any], n: int, **changes: Any) -> dict[str, Any]:
    """Another inquiry like `params`: new ids throughout and its own reference."""
    inquiry_id, outbox_id = uuid.uuid4(), uuid.uuid4()
    return {
        **params,
        "i_id": inquiry_id,
        "e_inquiry_id": inquiry_id,
        "a_resource_id": inquiry_id,
        "o_aggregate_id": inquiry_id,
        "e_id": uuid.uuid4(),
        "a_id": uuid.uuid4(),
        "o_id": outbox_id,
        "job_payload": delivery_payload(outbox_id),
        "i_reference": f"INQ-2099-{n:06d}",
        **changes,
    }


async def test_concurrent_intakes_through_the_api_share_batches(client, world):
    writer: IntakeWriter = client.app.state.intake_writer
    org = str(world.orgs["A"])
    await submit(client, organization_id=org, channel="majlis")
    before = writer.batches
    receipts = await asyncio.gather(
        *(
            submit(client, organization_id=org, channel="majlis", subject=f"بلاغ رقم {n}")
            for n in range(20)
        )
    )
    assert len({receipt["reference"] for receipt in receipts}) == 20
    assert 1 <= writer.batches - before < 20
    ids = [uuid.UUID(receipt["id"]) for receipt in receipts]
    assert await stored(world, ids) == {
        "inquiry": 20,
        "history": 20,
        "audit": 20,
        "outbox": 20,
        "jobs": 20,
    }


async def test_writes_waiting_together_go_in_one_batch(client, world, captured):
    writer: IntakeWriter = client.app.state.intake_writer
    before = writer.batches
    batch = [another(captured, n) for n in range(5)]
    assert await asyncio.gather(*(writer.write(**params) for params in batch)) == [True] * 5
    assert writer.batches - before == 1
    assert (await stored(world, [p["i_id"] for p in batch]))["inquiry"] == 5


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        # refused by PostgreSQL: a reference another inquiry of the batch has
        ("i_reference", asyncpg.UniqueViolationError),
        # refused by the driver before anything is sent: a value it cannot encode (asyncpg
        # names it with PostgreSQL's data-exception class)
        ("i_transfer_count", asyncpg.DataError),
    ],
)
async def test_a_failure_in_a_batch_is_the_failing_intakes_alone(
    client, world, captured, fault, error
):
    """The batch commits nothing when one statement fails; each is then written alone, so
    the others are stored once and only the culprit gets the error."""
    writer: IntakeWriter = client.app.state.intake_writer
    first, third = another(captured, 1), another(captured, 3)
    bad_value = first["i_reference"] if fault == "i_reference" else "many"
    clash = another(captured, 2, **{fault: bad_value})
    results = await asyncio.gather(
        *(writer.write(**params) for params in (first, clash, third)), return_exceptions=True
    )
    assert results[0] is True and results[2] is True
    assert isinstance(results[1], error)
    assert await stored(world, [first["i_id"], third["i_id"]]) == {
        "inquiry": 2,
        "history": 2,
        "audit": 2,
        "outbox": 2,
        "jobs": 2,
    }
    assert (await stored(world, [clash["i_id"]]))["inquiry"] == 0


async def test_an_intake_whose_generation_moved_is_told_so_in_its_batch(client, world, captured):
    writer: IntakeWriter = client.app.state.intake_writer
    current = captured["generation"]
    fresh, stale = another(captured, 1), another(captured, 2, generation=current - 1)
    results = await asyncio.gather(writer.write(**fresh), writer.write(**stale))
    assert list(results) == [True, False]
    counts = await stored(world, [stale["i_id"]])
    assert counts == {"inquiry": 0, "history": 0, "audit": 0, "outbox": 0, "jobs": 0}
    assert (await stored(world, [fresh["i_id"]]))["inquiry"] == 1


async def test_a_keyed_intake_is_written_in_its_requests_transaction(client, world, monkeypatch):
    """With an `Idempotency-Key` the inquiry must commit with the stored response, so the
    writer (which commits on its own) is not used."""
    writer: IntakeWriter = client.app.state.intake_writer
    org = str(world.orgs["A"])
    await submit(client, organization_id=org, channel="majlis")  # the context kept

    async def refuse(**params: Any) -> bool:
        raise AssertionError("a keyed intake went to the writer")

    monkeypatch.setattr(writer, "write", refuse)
    first, again = await submit_keyed_twice(client, "keyed-intake-1", organization_id=org)
    assert again["id"] == first["id"]
    assert (await stored(world, [uuid.UUID(first["id"])]))["inquiry"] == 1
