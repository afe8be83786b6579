"""The intake memory off and on, in the same run: POST /v1/inquiries straight to an
inquiries process that keeps contexts between intakes (the stack's, as deployed) and to a
second one started with `GOVHUB_INQUIRIES_INTAKE_MEMORY=false`, which reads each intake's
context afresh (the plain read: category, organizations, channel, SLA policy, calendar)
and writes without the configuration-generation guard. Same token, same body, same
database; both keep the group commit and the reference block. The memory-off target is the
baseline of the ratio column: a ratio beyond the rounds' spread is the memory's gain.
"""

from __future__ import annotations

import json

import asyncpg

from bench import inquiries, seed
from bench.harness import Stack, uvicorn
from bench.scenarios import Scenario, Target


async def prepare(stack: Stack) -> None:
    """The bench's organizations, staff, categories and channels (the million inquiries are
    not needed: both targets write into the same table) and the POST body."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        await seed.seed_directory(conn)
    finally:
        await conn.close()
    inquiries.RESULTS.mkdir(exist_ok=True)
    inquiries.post_body_file().write_text(
        json.dumps(inquiries.POST_BODY, ensure_ascii=False), encoding="utf-8"
    )


def start_plain(stack: Stack) -> None:
    """inquiries-plain (the intake memory off), once."""
    if "inquiries-plain" in stack.ports:
        return
    stack.start_extra(
        "inquiries-plain",
        lambda port: uvicorn("services.inquiries.app:create_app", port),
        GOVHUB_INQUIRIES_INTAKE_MEMORY="false",
    )


def post_targets(stack: Stack) -> list[Target]:
    start_plain(stack)
    body = inquiries.post_body_file()
    token = inquiries.staff_token(stack)
    return [
        Target(
            "inquiries direct, intake memory off (plain read)",
            f"{stack.url('inquiries-plain')}/v1/inquiries",
            token,
            body_file=body,
        ),
        Target(
            "inquiries direct, intake memory on",
            f"{stack.url('inquiries')}/v1/inquiries",
            token,
            body_file=body,
        ),
    ]


SCENARIOS = [Scenario("POST inquiry, intake memory off/on", prepare, post_targets)]
