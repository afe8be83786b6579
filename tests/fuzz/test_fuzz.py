"""Schemathesis against the merged OpenAPI spec of a running hub, through the gateway.

Every operation gets `GOVHUB_FUZZ_EXAMPLES` generated requests (3 in `make test`, 25 in
`make fuzz`), each sent anonymously, as a staff member and as the sector admin. The check
is the one the issue's fuzzing broke: no server error (5xx other than a documented 503) for
any input. Generation is derandomized, so a failure reproduces.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings

from tests.database import TEST_DIR, DatabaseFactory
from tests.e2e.stack import ADMIN_PASSWORD, DEMO_PASSWORD, Stack, start_stack

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("GOVHUB_FUZZ_EXAMPLES", "3"))


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


def test_no_input_makes_a_server_error(hub: Stack, callers: list[dict[str, str]]) -> None:
    spec = schemathesis.openapi.from_url(f"{hub.base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in spec.get_all_operations():
        operation = result.ok()
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
                if status < 500 or (status == 503 and response.headers.get("retry-after")):
                    continue  # a 503 with Retry-After is a documented outage answer
                failures.append(
                    f"{case.method} {case.formatted_path} query={case.query} "
                    f"body={str(case.body)[:200]!r} → {status}: {response.text[:300]}"
                )

        send()
    assert operations > 40  # the merged spec of every service
    assert not failures, "\n".join(failures)
