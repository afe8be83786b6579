"""A 405's `Allow` names the methods the path really answers (issue 14): every documented
route of the path, not a hidden catch-all's (Open311 answers unknown paths its own way)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("OPTIONS", "/open311/v2/services.json?jurisdiction_id=RIYADH", "GET"),
        ("OPTIONS", "/open311/v2/discovery.json", "GET"),
        ("PUT", "/open311/v2/requests.json", "GET, POST"),
    ],
)
async def test_405_allow_lists_the_documented_methods(client, method: str, url: str, allow: str):
    answer = await client.request(method, url)
    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == allow
    spec = (await client.get("/openapi.json")).json()
    path = url.split("?")[0].replace(".json", ".{response_format}")
    assert {m.upper() for m in spec["paths"][path]} == set(allow.split(", "))


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("PATCH", "/v1/inquiries/export", "GET"),  # was a 422: "export" read as an inquiry id
        ("PATCH", "/v1/inquiries/stats", "GET"),
        ("DELETE", "/v1/inquiries/imports", "POST"),
    ],
)
async def test_a_static_path_is_never_read_as_an_id(client, method: str, url: str, allow: str):
    answer = await client.request(method, url)
    assert answer.status_code == 405, answer.text
    assert answer.headers["allow"] == allow
