"""The committed merged spec (kept equal to the code by `make openapi-check`) documents
who may call each operation and the problems it can answer (issue 14, spec conformance)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SPEC = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "govhub.openapi.json").read_text("utf-8")
)
METHODS = ("get", "put", "post", "delete", "patch")
TOKEN: list[dict[str, list[str]]] = [{"OAuth2": []}, {"BearerJWT": []}]
PROBLEM = "application/problem+json"


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_no_operation_is_optionally_anonymous_by_default():
    assert SPEC["security"] == TOKEN
    assert all("security" in op for _, _, op in operations())


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/auth/token"),
        ("GET", "/v1/inquiries/track/{reference}"),
        ("POST", "/v1/inquiries/track/{reference}/messages"),
        ("GET", "/open311/v2/services.{response_format}"),
        ("GET", "/v1/public/initiatives"),
        ("GET", "/healthz"),
    ],
)
def test_anonymous_operations_say_so(method: str, path: str):
    assert SPEC["paths"][path][method.lower()]["security"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/users"), ("PATCH", "/v1/users/{user_id}"), ("GET", "/v1/audit")],
)
def test_staff_operations_require_the_token(method: str, path: str):
    operation = SPEC["paths"][path][method.lower()]
    assert operation["security"] == TOKEN
    assert {"401", "403"} <= set(operation["responses"])


def test_a_citizen_may_write_with_or_without_a_token():
    assert SPEC["paths"]["/v1/inquiries"]["post"]["security"] == [*TOKEN, {}]


def test_every_error_is_a_problem_document_but_open311s_own():
    for method, path, operation in operations():
        for status, answer in operation["responses"].items():
            if status[0] not in "45":
                continue
            media = set(answer["content"])
            if path.startswith("/open311/"):
                assert media in ({PROBLEM}, {"application/json", "text/xml"}), (method, path)
            else:
                assert media == {PROBLEM}, (method, path, status)


def test_the_kernel_s_own_answers_are_documented_where_they_can_occur():
    for method, path, operation in operations():
        answers = set(operation["responses"])
        if path.startswith("/open311/") or "default" in answers:
            continue  # Open311 documents its own error format, and a default for the rest
        if path in ("/healthz", "/readyz", "/metrics"):
            continue  # the gateway's own probes
        assert {"400", "422", "429", "503"} <= answers, (method, path)
        if operation["security"] == TOKEN:
            assert {"401", "403"} <= answers, (method, path)
        if "{" in path:
            assert "404" in answers, (method, path)
        if method in ("PATCH", "PUT", "DELETE") and "{" in path:
            assert "412" in answers, (method, path)
        if "requestBody" in operation:
            assert "413" in answers, (method, path)


def test_working_hours_are_documented_as_local_times():
    schema = SPEC["components"]["schemas"]["OrganizationOut"]["properties"]["work_start"]
    text = json.dumps(schema)
    assert '"format": "partial-time"' in text and '"format": "time"' not in text


def test_the_token_endpoint_documents_its_503():
    answer = SPEC["paths"]["/v1/auth/token"]["post"]["responses"]["503"]
    assert "Retry-After" in answer["headers"]
    assert PROBLEM in answer["content"]
