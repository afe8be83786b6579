"""Schemathesis against the merged OpenAPI spec of a running hub, through the gateway.

Every operation gets `GOVHUB_FUZZ_EXAMPLES` generated requests (3 in `make test`, 25 in
`make fuzz`), each sent anonymously, as a staff member and as the sector admin. Every
answer is checked twice:

- no server error (5xx other than a 503 with `Retry-After`) for any input;
- schemathesis's conformance checks (`CONFORMANCE`): the status code is documented for the
  operation, the Content-Type is one documented for that status, the body validates
  against the documented schema (formats included), documented headers are sent, an
  operation that requires a token does not answer without one, and a request valid by
  the schema is not refused (`positive_data_acceptance`) — unless for a rule the spec
  cannot state, each named with its reason in `_refusal_the_spec_cannot_state`.

A stateful phase follows: schemathesis chains operations by the links it infers from the
spec (an id a POST answers fed to the GET, PATCH and DELETE of that resource, …), as staff
and as the sector admin, `GOVHUB_FUZZ_STATEFUL_EXAMPLES` sequences of up to
`GOVHUB_FUZZ_STATEFUL_STEPS` calls each, under the same checks.

Generation is derandomized, so a failure reproduces.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from schemathesis import checks
from schemathesis.generation import GenerationMode

from services.common.inputcheck import has_nul
from services.common.strict import MESSAGES
from tests.database import TEST_DIR, DatabaseFactory
from tests.e2e.stack import ADMIN_PASSWORD, DEMO_PASSWORD, Stack, start_stack

pytestmark = pytest.mark.fuzz
DATE_TIME_RANGE = MESSAGES["date-time-range"][0]  # the kernel's message (Arabic, the default)

EXAMPLES = int(os.environ.get("GOVHUB_FUZZ_EXAMPLES", "3"))
STATEFUL_EXAMPLES = int(os.environ.get("GOVHUB_FUZZ_STATEFUL_EXAMPLES", str(2 * EXAMPLES)))
STATEFUL_STEPS = int(os.environ.get("GOVHUB_FUZZ_STATEFUL_STEPS", "8"))


def _problem(response: Any) -> tuple[str | None, set[str], str]:
    """The problem document's `code`, the fields its `errors` name, and its text."""
    text = response.text or ""
    try:
        body = response.json()
    except ValueError:
        return None, set(), text
    if not isinstance(body, dict):
        return None, set(), text  # Open311 answers a list of {code, description}
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    fields = {str(e.get("field")) for e in errors}
    if errors and all(e.get("message") == DATE_TIME_RANGE for e in errors):
        fields = {"date-time-range"}  # every field named is a date-time out of range
    return body.get("code"), fields, text


def _messages(response: Any) -> dict[str, str]:
    """The problem document's messages by the field they name."""
    try:
        body = response.json()
    except ValueError:
        return {}
    errors = body.get("errors") if isinstance(body, dict) else None
    return {str(e.get("field")): str(e.get("message")) for e in errors or [] if isinstance(e, dict)}


def _open311_descriptions(response: Any) -> list[str]:
    """The descriptions of an Open311 error answer (a JSON list, or XML)."""
    try:
        body = response.json()
    except ValueError:
        return re.findall(r"<description>(.*?)</description>", response.text or "", re.S)
    if not isinstance(body, list):
        return []
    return [str(e.get("description")) for e in body if isinstance(e, dict)]


# email-validator refuses the special-use domain names (RFC 6761): they receive no mail
SPECIAL_USE = "special-use or reserved name"


def _sent(case: schemathesis.Case) -> dict[str, Any]:
    """The query and (form or JSON) body fields of the request."""
    sent = dict(case.query or {})
    if isinstance(case.body, dict):
        sent.update(case.body)
    return sent


def _body_types(case: schemathesis.Case) -> set[str]:
    body = case.operation.definition.raw.get("requestBody", {})
    return set(body.get("content", {})) if isinstance(body, dict) else set()


def _refusal_the_spec_cannot_state(case: schemathesis.Case, response: Any) -> str | None:
    """Why a refused schema-valid request is allowed to be refused, or None (a failure).

    Each entry is a rule that OpenAPI 3.1 / JSON Schema 2020-12 cannot express, matched as
    narrowly as the answer allows (status, problem code, the fields named)."""
    status = response.status_code
    code, fields, text = _problem(response)
    path = case.operation.path
    sent = _sent(case)
    # an upload: the operation takes a multipart form or a raw file
    files = "application/octet-stream" in _body_types(case)
    if status in (400, 422) and "NUL" in text and has_nul(sent):
        # statable only as a pattern on every string of the spec; the README states it
        return "U+0000 is refused in every string (PostgreSQL's text cannot hold it)"
    if status == 422 and fields == {"date-time-range"}:
        return "a date-time whose UTC instant falls outside years 1–9999: `date-time` has no range"
    if status == 400 and code == "invalid_cursor" and "cursor" in sent:
        return "a cursor is opaque: only one the hub wrote is valid, whatever its characters"
    if status == 400 and code == "relevance_needs_q" and sent.get("sort") == "relevance":
        return "`sort=relevance` needs `q`: a rule across two query parameters"
    if status == 422 and code == "validation_failed" and fields:
        if fields == {"body"} and isinstance(case.body, dict):
            # the model's own validators (end before start, a date outside 1930–2070 on a
            # recurring entry's occurrence, …): comparisons between values
            return "a rule across the body's fields (the kernel names the field `body`)"
        if fields <= {"from", "to"} and fields <= set(sent):
            return "`from` after `to` (or after now, `to`'s default): a comparison of values"
        if fields == {"levels"} and path.startswith("/v1/crisis-playbooks"):
            return "crisis levels unique by `level`: `uniqueItems` compares whole items"
        if fields == {"current_password"} and path == "/v1/users/me/password":
            return "the current password is stored data"
        placed = sent.get("parent_id") or case.method == "PATCH"
        if placed and path.startswith("/v1/organizations") and fields <= {"parent_id", "kind"}:
            return "the tree rule reads the kinds of the stored parent and children"
        channels = all(re.fullmatch(r"channels\.\d+", field) for field in fields)
        if channels and path.startswith("/v1/calendar/"):
            return "a channel is one the directory registers for the organization (stored data)"
        if fields <= {"phone", "contact.phone"}:
            return "a phone number is valid by its country's numbering plan (libphonenumber)"
        messages = _messages(response)
        emails = fields & {"email", "contact.email"}
        if (
            emails
            and fields <= {"phone", "contact.phone", "email", "contact.email"}
            and all(SPECIAL_USE in messages.get(field, "") for field in emails)
        ):
            # (and the phone beside it, if any, by its numbering plan, as above)
            return "an address at a special-use domain (RFC 6761: .test, .invalid) gets no mail"
        if fields == {"work_end"} and path.startswith("/v1/organizations"):
            return "`work_end` after `work_start`: a comparison between two fields"
        if fields == {"timezone"}:
            # statable as an enum of the IANA names, which would tie the spec to a tzdata
            return "a time zone is a name in the IANA database the hub has"
        if path == "/v1/inquiries" and fields == {"deadline"}:
            return "a media request's deadline must be in the future: a comparison with now"
        if path == "/v1/inquiries" and fields <= {"organization_id", "category_id", "channel"}:
            return "routing reads stored data: the organization, category or channel named"
    if status == 422 and code == "attachment_unavailable" and sent.get("attachment_ids"):
        return "an attachment id that was never uploaded (or is not the caller's) is stored data"
    if (
        files
        and status == 415
        and code in {"unsupported_media_type", "unsupported_attachment_type"}
    ):
        return "a file's type is sniffed from its content, which a schema cannot describe"
    if files and status == 422 and ("الملف فارغ" in text or "empty" in text.lower()):
        return "an empty file: `format: binary` has no minimum length"
    open311 = path.startswith("/open311/")
    if status == 400 and open311 and "jurisdiction_id" in text and not sent.get("jurisdiction_id"):
        return "Open311's jurisdiction_id is required once several organizations offer services"
    descriptions = _open311_descriptions(response) if status == 400 and open311 else []
    if descriptions:
        dates = {"start_date", "end_date"}
        if dates <= set(sent) and all("start_date" in d and "end_date" in d for d in descriptions):
            return (
                "end_date before start_date or over 90 days after it: a rule across two parameters"
            )
        if all(DATE_TIME_RANGE in d for d in descriptions):
            return (
                "a date-time whose UTC instant falls outside years 1–9999: `date-time` has no range"
            )
        if sent.get("phone") and all(d.startswith("phone: ") for d in descriptions):
            return "a phone number is valid by its country's numbering plan (libphonenumber)"
    return None


def positive_data_acceptance(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """schemathesis's check: a schema-valid request is not refused (a 4xx other than 401,
    403, 404, 409, 429), except for the refusals `_refusal_the_spec_cannot_state` names."""
    try:
        return checks.positive_data_acceptance(ctx, response, case)
    except AssertionError:
        if _refusal_the_spec_cannot_state(case, response) is not None:
            return None
        raise


# turned on one by one as the spec came to say what the hub answers (issue 14)
CONFORMANCE = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.ignored_auth,  # a token-only operation answers 401 without it
    positive_data_acceptance,  # schema-valid input accepted (but what the spec cannot state)
]


@pytest.fixture(scope="module")
async def fuzz_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="module")
def hub(fuzz_database: str) -> Iterator[Stack]:
    data_dir = TEST_DIR.parent / "fuzz" / uuid.uuid4().hex[:12]
    running = start_stack(
        fuzz_database,
        data_dir,
        drain=True,
        GOVHUB_DEMO_DATA="false",
        # the fuzzer is one client sending thousands of requests: not what is tested here
        GOVHUB_RATE_LIMIT_ANONYMOUS="100000/minute",
        GOVHUB_RATE_LIMIT_AUTHENTICATED="100000/minute",
        GOVHUB_RATE_LIMIT_TOKEN="100000/minute",
        # a configured WhatsApp channel, so its webhook is fuzzed for real (a hub without
        # one answers 503 whatsapp_not_configured, a configuration state, not an outage)
        GOVHUB_WHATSAPP_VERIFY_TOKEN="fuzz-verify-token",
        GOVHUB_WHATSAPP_APP_SECRET="fuzz-app-secret",
    )
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def token(base: str, username: str, password: str) -> str:
    response = httpx.post(
        f"{base}/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def callers(hub: Stack) -> list[dict[str, str]]:
    return [
        {},
        {"Authorization": f"Bearer {token(hub.base, 'riyadh.agent', DEMO_PASSWORD)}"},
        {"Authorization": f"Bearer {token(hub.base, 'admin', ADMIN_PASSWORD)}"},
    ]


def test_no_input_makes_a_server_error_and_every_answer_conforms(
    hub: Stack, callers: list[dict[str, str]]
) -> None:
    spec = schemathesis.openapi.from_url(f"{hub.base}/openapi.json")
    failures: list[str] = []
    violations: list[str] = []
    operations = 0
    for result in spec.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises here, as meant
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],  # no shrinking: failures are listed
        )
        @given(case=operation.as_strategy())
        def send(case: schemathesis.Case) -> None:
            for headers in callers:
                response = case.call(base_url=hub.base, headers=headers, timeout=30)
                status = response.status_code
                sent = (
                    f"{case.method} {case.formatted_path} query={case.query} "
                    f"body={str(case.body)[:200]!r} → {status}"
                )
                try:
                    case.validate_response(response, checks=CONFORMANCE, headers=headers)
                except (AssertionError, BaseExceptionGroup) as exc:
                    violations.append(f"{sent}: {str(exc)[:600]} {response.text[:300]}")
                if status < 500 or (status == 503 and response.headers.get("retry-after")):
                    continue  # a 503 with Retry-After is a documented outage answer
                failures.append(f"{sent}: {response.text[:300]}")

        send()
    assert operations > 40  # the merged spec of every service
    assert not failures, "\n".join(failures)
    assert not violations, "\n".join(violations)


def test_input_that_breaks_the_schema_is_refused(hub: Stack, callers: list[dict[str, str]]) -> None:
    """Negative generation: each operation's requests made to violate its schema (a wrong
    type, a missing required field, a value out of its range …), sent as the sector admin
    (who passes every authorization), must be refused with a 4xx — never accepted, never a
    server error (schemathesis's `negative_data_rejection`)."""
    spec = schemathesis.openapi.from_url(f"{hub.base}/openapi.json")
    problems: list[str] = []
    tried = 0
    for result in spec.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises here, as meant

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def send(case: schemathesis.Case) -> None:
            response = case.call(base_url=hub.base, headers=callers[2], timeout=30)
            if _outage(response):
                return
            try:
                case.validate_response(
                    response,
                    checks=[checks.not_a_server_error, checks.negative_data_rejection],
                    headers=callers[2],
                )
            except (AssertionError, BaseExceptionGroup) as exc:
                problems.append(
                    f"{case.method} {case.formatted_path} query={case.query} "
                    f"body={str(case.body)[:200]!r} → {response.status_code}: {str(exc)[:400]}"
                )

        try:
            send()
        except Unsatisfiable:
            continue  # nothing in its schema can be broken (no parameters, no body)
        tried += 1
    assert tried > 40  # most operations take input that can be broken
    assert not problems, "\n".join(problems)


def _outage(response: Any) -> bool:
    """A 503 with Retry-After: a documented outage answer, not a failure."""
    return response.status_code == 503 and bool(response.headers.get("retry-after"))


@pytest.mark.parametrize("caller", [1, 2], ids=["staff", "admin"])
def test_stateful_sequences_conform(hub: Stack, callers: list[dict[str, str]], caller: int) -> None:
    spec = schemathesis.openapi.from_url(f"{hub.base}/openapi.json")
    headers = callers[caller]
    problems: list[str] = []
    answered: list[int] = []

    class Sequences(spec.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": hub.base, "headers": headers, "timeout": 30}

        def validate_response(self, response: Any, case: schemathesis.Case, **_: Any) -> None:
            answered.append(response.status_code)
            if _outage(response):
                return
            try:
                case.validate_response(
                    response, checks=[checks.not_a_server_error, *CONFORMANCE], headers=headers
                )
            except (AssertionError, BaseExceptionGroup) as exc:
                problems.append(
                    f"{case.method} {case.formatted_path} → {response.status_code}: "
                    f"{str(exc)[:600]}"
                )

    # In batches of at most ten sequences: Hypothesis stops generating when two sequences
    # that began with the same choices find different operations available (the bundles are
    # filled from the hub's answers, and its state moves on from one sequence to the next),
    # which grows likelier the longer one run is. Every call made is checked either way.
    batch = min(STATEFUL_EXAMPLES, 10)
    batches = -(-STATEFUL_EXAMPLES // batch)
    stopped = 0
    for _ in range(batches):
        try:
            Sequences.run(
                settings=settings(
                    max_examples=batch,
                    stateful_step_count=STATEFUL_STEPS,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    # no replay or shrinking: the hub's state moves on between runs
                    phases=[Phase.generate],
                )
            )
        except FlakyStrategyDefinition:
            stopped += 1
    assert stopped < batches, "every batch stopped early"
    assert any(200 <= status < 300 for status in answered)  # the sequences did something
    assert not problems, "\n".join(problems)


# schemathesis's coverage phase (its CLI: the pytest loop has no such phase) sends each
# operation the boundary cases of its schema and the methods it does not document; these
# checks exist only there
COVERAGE_CHECKS = (
    "not_a_server_error,unsupported_method,allow_header_conformance,missing_required_header"
)


def test_the_coverage_phase_finds_nothing(hub: Stack, callers: list[dict[str, str]]) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    answer = subprocess.run(
        [
            str(cli),
            "run",
            f"{hub.base}/openapi.json",
            "--phases",
            "coverage",
            "--checks",
            COVERAGE_CHECKS,
            "--header",
            f"Authorization:{callers[2]['Authorization']}",
            "--max-examples",
            str(EXAMPLES),
            "--request-timeout",
            "30",
            "--generation-deterministic",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=os.environ | {"SCHEMATHESIS_HOOKS": ""},
    )
    assert answer.returncode == 0, (answer.stdout + answer.stderr)[-6000:]
