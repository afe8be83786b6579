"""A paging cursor is validated before it reaches SQL: a malformed one is 400
`invalid_cursor` on every list the kernel paginates, never a 500 (issue 23, point 6)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime

import pytest

from services.common.errors import BadRequest
from services.common.pagination import decode_cursor, encode_cursor
from services.directory.app import create_app as create_directory
from services.inquiries.app import create_app as create_inquiries
from tests.directory.conftest import build_tree
from tests.inquiries.factories import build_world


def cursor_of(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


STAMP = {"t": "2026-03-01T09:00:00+03:00"}
BAD_CURSORS = [
    "!!!",
    cursor_of({"not": "a list"}),
    cursor_of([STAMP]),  # too short
    cursor_of([STAMP, "not-a-uuid"]),  # a plain string where the id is a UUID
    cursor_of([STAMP, {"u": "not-a-uuid"}]),
    cursor_of([STAMP, 12]),
    cursor_of([{"t": "yesterday"}, {"u": str(uuid.uuid4())}]),
    cursor_of(["2026-03-01", {"u": str(uuid.uuid4())}]),  # a date as plain text
    cursor_of([{"d": "2026-03-01"}, {"u": str(uuid.uuid4())}]),  # a day where time is
    cursor_of([10**30, {"u": str(uuid.uuid4())}]),
    cursor_of(["a\u0000b", {"u": str(uuid.uuid4())}]),
]


def test_decode_checks_each_value_against_its_key_type():
    good = encode_cursor([datetime(2026, 3, 1, tzinfo=UTC), uuid.UUID(int=1)])
    assert decode_cursor(good, 2, [datetime, uuid.UUID])[1] == uuid.UUID(int=1)
    day = encode_cursor([date(2026, 3, 1), uuid.UUID(int=1)])
    assert decode_cursor(day, 2, [date, uuid.UUID])[0] == date(2026, 3, 1)
    for cursor in BAD_CURSORS:
        with pytest.raises(BadRequest) as refused:
            decode_cursor(cursor, 2, [datetime, uuid.UUID])
        assert refused.value.code == "invalid_cursor", cursor


DAY_CURSOR = BAD_CURSORS[8]


async def _assert_invalid(client, path: str, headers: dict[str, str]) -> None:
    for cursor in BAD_CURSORS:
        if cursor == DAY_CURSOR and path.endswith("/holidays"):
            continue  # holidays are paged by day: that one is a good cursor there
        answer = await client.get(path, params={"cursor": cursor}, headers=headers)
        assert answer.status_code == 400, (path, cursor, answer.text)
        assert answer.json()["code"] == "invalid_cursor"


async def test_directory_lists_refuse_bad_cursors(make_client):
    tree = await build_tree(await make_client(create_directory))
    org = tree.orgs["X"]
    for path in (
        "/v1/users",
        "/v1/audit",
        "/v1/organizations",
        "/v1/channels",
        "/v1/api-clients",
        f"/v1/organizations/{org}/holidays",
    ):
        await _assert_invalid(tree.http, path, tree.auth("x.admin"))


async def test_inquiries_lists_refuse_bad_cursors(make_client, settings):
    client = await make_client(create_inquiries)
    world = await build_world(settings)
    try:
        staff = world.auth("org_admin@R")
        for path in ("/v1/inquiries", "/v1/inquiry-categories", "/v1/sla-policies"):
            await _assert_invalid(client, path, staff)
        answer = await client.get("/open311/v2/requests.json", params={"cursor": BAD_CURSORS[3]})
        assert answer.status_code == 400, answer.text
    finally:
        await world.directory.close()
