"""Bulk imports through a running hub (`govhub run`): `govhub import` against the gateway,
and a worker killed with SIGKILL mid-import whose job another worker finishes, every row
present once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from services.common.embedded import to_plain_url
from tests.database import DatabaseFactory
from tests.e2e.stack import DEMO_PASSWORD, ROOT, Stack, start_stack

pytestmark = pytest.mark.e2e
HEARTBEAT = "2"


@pytest.fixture(scope="module")
async def module_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("imports") / "data"


@pytest.fixture(scope="module")
def hub(module_database: str, data_dir: Path) -> Iterator[Stack]:
    # this module signs in for every `govhub import`: more than the token endpoint's
    # 10 a minute per address that a newcomer's hub allows. Drained: the worker logs every
    # demo notification it sends, and a full pipe blocked it mid-import (holding the job)
    running = start_stack(
        module_database,
        data_dir,
        drain=True,
        GOVHUB_WORKER_HEARTBEAT_SECONDS=HEARTBEAT,
        GOVHUB_RATE_LIMIT_TOKEN="600/minute",
    )
    yield running
    running.stop()


def login(base: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": DEMO_PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def govhub_import(
    hub: Stack, *args: str, username: str = "momrah.admin"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "govhub.cli", "import", *args, "--url", hub.base],
        cwd=ROOT,
        env=os.environ | {"GOVHUB_USERNAME": username, "GOVHUB_PASSWORD": DEMO_PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_govhub_import_through_the_gateway(hub: Stack, tmp_path: Path) -> None:
    example = ROOT / "examples" / "inquiries.csv"
    done = govhub_import(hub, "inquiries", str(example), "--source", "legacy-crm")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded: 5 rows, 5 imported" in done.stderr
    again = govhub_import(hub, "inquiries", str(example), "--source", "legacy-crm")
    assert "succeeded: 5 rows, 0 imported, 0 updated, 5 unchanged" in again.stderr

    headers = login(hub.base, "momrah.admin")
    listed = httpx.get(f"{hub.base}/v1/inquiries", params={"q": "حفرة"}, headers=headers)
    assert listed.status_code == 200
    assert any(i["subject"] == "حفرة في طريق الملك عبدالعزيز" for i in listed.json()["items"])

    # rejected rows: exit code 2 and their CSV beside the file
    bad = tmp_path / "بلاغات.csv"
    bad.write_text(
        example.read_text(encoding="utf-8")
        + "CRM-2026-0099,complaint,whatsapp,بلاغ,نص,NOWHERE,,,,,,,,\n",
        encoding="utf-8",
    )
    rejected = govhub_import(hub, "inquiries", str(bad), "--source", "legacy-crm")
    assert rejected.returncode == 2, rejected.stdout + rejected.stderr
    errors = (tmp_path / "بلاغات.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "7,organization_code,NOWHERE," in errors


README_BLOCK = re.compile(r"<!-- imports-e2e -->\n```bash\n(.*?)```", re.S)


def test_every_kind_through_the_gateway_as_the_readme_shows(hub: Stack, tmp_path: Path) -> None:
    """The README's block importing each kind's example file, run as written (the CLI
    through the gateway of `govhub run`, the worker running the jobs)."""
    [block] = README_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    script = "set -euo pipefail\n" + block.replace(
        ".venv/bin/govhub", f"{sys.executable} -m govhub.cli"
    ).replace("http://127.0.0.1:8000", hub.base)
    port = hub.base.rsplit(":", 1)[1]
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=os.environ | {"GOVHUB_PORT": port},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    summaries = [line for line in out.splitlines() if line.startswith("succeeded")]
    assert [s.split(" · ")[0] for s in summaries] == [
        "succeeded: 3 rows, 3 imported, 0 updated, 0 unchanged, 0 rejected",
        "succeeded: 3 rows, 3 imported, 0 updated, 0 unchanged, 0 rejected",
        "succeeded: 4 rows, 4 imported, 0 updated, 0 unchanged, 0 rejected",
        "succeeded: 6 rows, 6 imported, 0 updated, 0 unchanged, 0 rejected",
        "succeeded: 3 rows, 0 imported, 0 updated, 3 unchanged, 0 rejected",
    ]

    # what they made, read back through the gateway
    headers = login(hub.base, "riyadh.admin")
    window = httpx.get(
        f"{hub.base}/v1/calendar/entries",
        params={
            "from": "2027-01-01T00:00:00+03:00",
            "to": "2027-04-01T00:00:00+03:00",
            "kind": "meeting",
            "limit": 200,
        },
        headers=headers,
    )
    assert window.status_code == 200, window.text
    majlis = sorted(
        i["starts_at"]
        for i in window.json()["items"]
        if i["title_ar"] == "المجلس الأسبوعي لأمين منطقة الرياض"
    )
    # eight Sundays, the 17th left out (EXDATE), the 24th moved to Monday the 25th
    assert len(majlis) == 7, majlis
    assert "2027-01-25T20:00:00+03:00" in majlis
    assert not any(m.startswith(("2027-01-17", "2027-01-24")) for m in majlis)
    initiatives = httpx.get(f"{hub.base}/v1/initiatives", params={"limit": 100}, headers=headers)
    [parks] = [i for i in initiatives.json()["items"] if i["code"] == "RYD-PARKS-2027"]
    assert parks["parent_id"] is not None
    values = httpx.get(
        f"{hub.base}/v1/kpi-values",
        params={"status": "submitted", "limit": 100},
        headers=headers,
    )
    periods = {v["period"] for v in values.json()["items"]}
    assert {"2024-01", "2024-02", "2024-03"} <= periods

    # rejected rows of another kind: exit code 2 and their CSV, with lines, beside the file
    bad = tmp_path / "initiatives.csv"
    bad.write_text(
        (ROOT / "examples" / "initiatives.csv").read_text(encoding="utf-8")
        + "PMO-2027-09,RYD-NOAXIS,مبادرة,مبادرة,RIYADH,nowhere,,2027-01-01,2027-12-31,,,,,\n"
        + "PMO-2027-10,EST-X,مبادرة,مبادرة,EASTERN,health_awareness,,2027-01-01,2027-12-31,,,,,\n",
        encoding="utf-8",
    )
    rejected = govhub_import(
        hub, "initiatives", str(bad), "--source", "pmo-sheet", username="riyadh.admin"
    )
    assert rejected.returncode == 2, rejected.stdout + rejected.stderr
    assert "succeeded: 6 rows, 0 imported, 0 updated, 4 unchanged, 2 rejected" in rejected.stderr
    errors = (tmp_path / "initiatives.csv.errors.csv").read_text(encoding="utf-8-sig")
    assert "6,axis_code,nowhere," in errors
    assert "\n7,organization_id," in errors


def test_a_killed_worker_resumes_from_the_last_batch(
    hub: Stack, module_database: str, data_dir: Path, tmp_path: Path
) -> None:
    rows = 40_000
    path = tmp_path / "many.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id,kind,channel,subject,body,organization_code\n")
        for n in range(rows):
            out.write(f"K-{n},complaint,whatsapp,بلاغ {n},نص البلاغ رقم {n},RIYADH\n")
    headers = login(hub.base, "riyadh.admin")
    with path.open("rb") as body:
        started = httpx.post(
            f"{hub.base}/v1/inquiries/imports",
            params={"kind": "inquiries", "source": "kill-test"},
            content=body,
            headers=headers | {"Content-Type": "text/csv"},
            timeout=60,
        )
    assert started.status_code == 202, started.text
    location = hub.base + started.headers["location"]

    worker = next(c for c in _children(hub) if "govhub.worker" in " ".join(c.cmdline()))
    deadline = time.monotonic() + 60
    job = started.json()
    while job["rows_seen"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
        job = httpx.get(location, headers=headers).json()
    assert job["state"] == "running" and 0 < job["rows_seen"] < rows, job
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)

    replacement = subprocess.Popen(
        [sys.executable, "-m", "govhub.worker"],
        cwd=ROOT,
        env=os.environ
        | {
            "GOVHUB_DATABASE_URL": module_database,
            "GOVHUB_DATA_DIR": str(data_dir),
            "GOVHUB_WORKER_HEARTBEAT_SECONDS": HEARTBEAT,
            "GOVHUB_LOG_JSON": "false",
        },
    )
    try:
        deadline = time.monotonic() + 400
        while job["state"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            job = httpx.get(location, headers=headers).json()
    finally:
        replacement.send_signal(signal.SIGTERM)
        try:
            replacement.wait(30)
        except subprocess.TimeoutExpired:
            # still delivering the import's events: what is checked here is the job's resume
            replacement.kill()
            replacement.wait(10)
    assert job["state"] == "succeeded", job
    assert (job["rows_seen"], job["rows_imported"], job["rows_rejected"]) == (rows, rows, 0)
    counts, events = asyncio.run(_stored(module_database))
    assert (counts["n"], counts["keys"], counts["refs"], events) == (rows, rows, rows, rows)


async def _stored(database_url: str) -> tuple[asyncpg.Record, int]:
    conn = await asyncpg.connect(to_plain_url(database_url))
    try:
        # fresh statistics after the bulk writes: with the tables' stale ones the join below
        # was planned as a nested loop over every outbox row per inquiry (minutes, not ms)
        await conn.execute("ANALYZE inquiry, common_outbox")
        counts = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT external_id) AS keys, "
            "count(DISTINCT reference) AS refs FROM inquiry WHERE source = 'kill-test'"
        )
        events = await conn.fetchval(
            "SELECT count(*) FROM common_outbox o JOIN inquiry i ON i.id = o.aggregate_id "
            "WHERE i.source = 'kill-test' AND o.event_type = 'inquiry.created'"
        )
    finally:
        await conn.close()
    return counts, events


def _children(hub: Stack) -> list[psutil.Process]:
    return psutil.Process(hub.process.pid).children(recursive=True)


def _worker(module_database: str, data_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "govhub.worker"],
        cwd=ROOT,
        env=os.environ
        | {
            "GOVHUB_DATABASE_URL": module_database,
            "GOVHUB_DATA_DIR": str(data_dir),
            "GOVHUB_WORKER_HEARTBEAT_SECONDS": HEARTBEAT,
            "GOVHUB_LOG_JSON": "false",
        },
    )


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)


def test_a_killed_worker_resumes_a_calendar_import(
    hub: Stack, module_database: str, data_dir: Path, tmp_path: Path
) -> None:
    """The same for calendar entries, whose batches write entries, history, occurrences and
    overrides set-based in the batch's transaction: SIGKILL mid-import (after the hub's own
    worker was killed by the test above, a worker of this test's), another worker
    finishes, every entry and its occurrences exist once."""
    rows = 6000  # twelve batches of 500: the kill comes after some, before the last
    path = tmp_path / "entries.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("external_id,kind,title_ar,starts_at,ends_at,rrule\n")
        for n in range(rows):
            day = 1 + n % 28
            out.write(
                f"KE-{n},meeting,اجتماع رقم {n},2027-05-{day:02d}T10:00:00+03:00,"
                f"2027-05-{day:02d}T11:00:00+03:00,FREQ=WEEKLY;COUNT=3\n"
            )
    headers = login(hub.base, "riyadh.admin")
    first = _worker(module_database, data_dir)
    replacement = None
    try:
        started = httpx.post(
            f"{hub.base}/v1/calendar/imports",
            params={"kind": "entries", "source": "kill-test"},
            content=path.read_bytes(),
            headers=headers | {"Content-Type": "text/csv"},
            timeout=60,
        )
        assert started.status_code == 202, started.text
        location = hub.base + started.headers["location"]
        job = started.json()
        deadline = time.monotonic() + 180
        while job["rows_seen"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            job = httpx.get(location, headers=headers).json()
        assert job["state"] == "running" and 0 < job["rows_seen"] < rows, job
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)

        replacement = _worker(module_database, data_dir)
        deadline = time.monotonic() + 400
        while job["state"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            job = httpx.get(location, headers=headers).json()
    finally:
        _stop(first)
        if replacement is not None:
            _stop(replacement)
    assert job["state"] == "succeeded", job
    assert (job["rows_seen"], job["rows_imported"], job["rows_rejected"]) == (rows, rows, 0)
    counts = asyncio.run(_entries(module_database))
    assert (counts["n"], counts["keys"], counts["occurrences"]) == (rows, rows, 3 * rows)


async def _entries(database_url: str) -> asyncpg.Record:
    conn = await asyncpg.connect(to_plain_url(database_url))
    try:
        await conn.execute("ANALYZE calendar_entry, calendar_occurrence")
        return await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT external_id) AS keys, "
            "(SELECT count(*) FROM calendar_occurrence o JOIN calendar_entry e "
            " ON e.id = o.entry_id WHERE e.external_source = 'kill-test') AS occurrences "
            "FROM calendar_entry WHERE external_source = 'kill-test'"
        )
    finally:
        await conn.close()
