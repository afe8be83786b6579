"""End to end: `GOVHUB_ENVIRONMENT=production govhub run` has no demo account (issue 23)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from services.common.settings import GovhubSettings
from services.directory.demo.data import DEMO_CLIENT_ID
from services.directory.demo.loader import demo_client_secret
from tests.e2e.stack import ADMIN_PASSWORD, DEMO_PASSWORD, ROOT, start_stack

pytestmark = pytest.mark.e2e


def test_a_production_start_has_no_demo_account(database_url: str, tmp_path: Path) -> None:
    stack = start_stack(
        database_url,
        tmp_path / "data",
        GOVHUB_ENVIRONMENT="production",
        GOVHUB_RATE_LIMIT_ANONYMOUS="20/minute",
    )
    try:
        with httpx.Client(base_url=stack.base, timeout=10) as client:
            for username in ("sector.admin", "riyadh.agent"):
                refused = client.post(
                    "/v1/auth/token",
                    data={
                        "grant_type": "password",
                        "username": username,
                        "password": DEMO_PASSWORD,
                    },
                )
                assert refused.status_code == 401, refused.text
            secret = demo_client_secret(GovhubSettings(demo_password=DEMO_PASSWORD))
            refused = client.post(
                "/v1/auth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": DEMO_CLIENT_ID,
                    "client_secret": secret,
                },
            )
            assert refused.status_code == 401, refused.text
            admin = client.post(
                "/v1/auth/token",
                data={"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD},
            )
            assert admin.status_code == 200, admin.text

            # uvicorn does not let a local caller pick its bucket with X-Forwarded-For
            statuses = [
                client.get(
                    "/v1/organizations", headers={"X-Forwarded-For": f"203.0.113.{index}"}
                ).status_code
                for index in range(1, 26)
            ]
            assert 429 in statuses, statuses
    finally:
        assert stack.stop() == 0
    expected = "Demo data: not loaded (GOVHUB_ENVIRONMENT=production)"
    deadline = time.monotonic() + 30  # the drain thread reads the last lines after the exit
    while expected not in stack.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    output = stack.output()
    assert expected in output
    assert DEMO_PASSWORD not in output


def test_production_refuses_a_documented_password_and_says_why(tmp_path: Path) -> None:
    env = os.environ | {
        "GOVHUB_ENVIRONMENT": "production",
        "GOVHUB_ADMIN_PASSWORD": DEMO_PASSWORD,
        "GOVHUB_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "govhub.cli", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "refuses to start" in done.stdout.decode()
    assert "GOVHUB_ADMIN_PASSWORD" in done.stdout.decode()
    assert not (tmp_path / "pg").exists()  # nothing was started
