"""`python -m bench.imports [--rows N]` — an inquiries import through the job, against a raw
COPY of the same rows into the same table, in the same run.

On its own embedded database (`.govhub/bench-imports`, fresh every run): one organization
with a WhatsApp intake channel, then a CSV of N inquiries (Arabic subject and body, a phone,
a location, an organization code). Measured:

1. **raw COPY**: the same rows, with every column a new inquiry needs already computed
   (reference, SLA targets and due times, tracking-token hash), COPied into `inquiry` by
   PostgreSQL's COPY FROM (asyncpg `copy_to_table`), then deleted again;
2. **import**: the job run as the worker runs it (`services.common.imports.runner.run_import`
   in a child process), from queued to succeeded — validation by the create schema,
   routing, due times, references, history, outbox events and their delivery jobs;
3. **rerun**: the same file again (goal: 0 rows changed, at least the first run's speed).

The child's peak RSS (`VmHWM`) is the worker's memory during the import (goal ≤ 300 MB).
Goals (issue 19): import ≥ 0.5× raw COPY rows/s; rerun ≥ 1× the import; RSS ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from rich.console import Console
from rich.table import Table

from bench.harness import ROOT
from services.common.embedded import EmbeddedDatabase, to_plain_url
from services.common.orgtree import path_of

console = Console(width=150)
ORG = uuid.UUID("00000000-0000-4000-8000-00000000b001")
SUBJECTS = ("تسرب مياه في الشارع", "حفرة في الطريق", "انطفاء إنارة", "تراكم النفايات")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "external_id,kind,channel,subject,body,organization_code,contact_name,"
            "contact_phone,location_lat,location_long\n"
        )
        for n in range(rows):
            subject = SUBJECTS[n % len(SUBJECTS)]
            out.write(
                f"B-{n},complaint,whatsapp,{subject} {n},"
                f"يوجد {subject} أمام المنزل رقم {n} منذ ثلاثة أيام،,BENCH-ORG,"
                f"مواطن {n},+9665{50000000 + n % 49999999:08d},24.7,46.6\n"
            )


async def prepare(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO directory_organization (id, path, kind, code, name_ar) "
            "VALUES ($1, $2::ltree, 'municipality', 'BENCH-ORG', 'بلدية القياس') "
            "ON CONFLICT DO NOTHING",
            ORG,
            path_of([ORG]),
        )
        await conn.execute(
            "INSERT INTO directory_channel (id, organization_id, kind, name_ar, intake, active) "
            "VALUES ($1, $2, 'whatsapp', 'واتساب', true, true) ON CONFLICT DO NOTHING",
            uuid.uuid4(),
            ORG,
        )
    finally:
        await conn.close()


async def raw_copy(url: str, rows: int) -> float:
    """COPY FROM of the rows as the import writes them (every column it sets: the channel,
    the creator, the SLA targets, due times and alarm); the rows are deleted after."""
    now = datetime.now(UTC)
    due = now + timedelta(days=2)
    risk = now + timedelta(days=1)
    conn = await asyncpg.connect(url)
    try:
        channel = await conn.fetchval(
            "SELECT id FROM directory_channel WHERE organization_id = $1", ORG
        )
    finally:
        await conn.close()
    buffer = io.StringIO()
    for n in range(rows):
        subject = SUBJECTS[n % len(SUBJECTS)]
        buffer.write(
            "\t".join(
                [
                    str(uuid.uuid4()),
                    f"RAW-{n:09d}",
                    str(ORG),
                    "complaint",
                    "whatsapp",
                    str(channel),
                    "new",
                    "normal",
                    f"{subject} {n}",
                    f"يوجد {subject} أمام المنزل رقم {n} منذ ثلاثة أيام،",
                    f"مواطن {n}",
                    f"+9665{50000000 + n % 49999999:08d}",
                    "24.7",
                    "46.6",
                    "bench",
                    "user",
                    "0" * 64,
                    "480",
                    "2400",
                    now.isoformat(),
                    due.isoformat(),
                    due.isoformat(),
                    due.isoformat(),
                    risk.isoformat(),
                    due.isoformat(),
                    "raw",
                    f"B-{n}",
                ]
            )
            + "\n"
        )
    data = buffer.getvalue().encode()
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await conn.copy_to_table(
            "inquiry",
            source=io.BytesIO(data),
            columns=[
                "id",
                "reference",
                "organization_id",
                "kind",
                "channel",
                "channel_id",
                "status",
                "priority",
                "subject",
                "body",
                "contact_name",
                "contact_phone",
                "location_lat",
                "location_long",
                "created_by",
                "created_by_type",
                "tracking_token_hash",
                "first_response_target_minutes",
                "resolution_target_minutes",
                "sla_started_at",
                "first_response_due",
                "resolution_due",
                "sla_due_at",
                "sla_risk_at",
                "sla_alarm_at",
                "source",
                "external_id",
            ],
        )
        seconds = time.perf_counter() - started
        await conn.execute("DELETE FROM inquiry WHERE source = 'raw'")
        await conn.execute("VACUUM ANALYZE inquiry")
        return seconds
    finally:
        await conn.close()


async def queue_job(url: str, path: Path, size: int) -> uuid.UUID:
    job_id = uuid.uuid4()
    actor = {
        "subject": "bench",
        "kind": "user",
        "organization_id": None,
        "roles": ["sector_admin"],
        "scopes": [],
        "username": "bench",
    }
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO common_import_job (id, service, kind, actor, language, source, format, "
            "path, size_bytes) VALUES ($1, 'inquiries', 'inquiries', $2, 'en', 'bench', 'csv', "
            "$3, $4)",
            job_id,
            json.dumps(actor),
            str(path),
            size,
        )
    finally:
        await conn.close()
    return job_id


CHILD = """
import asyncio, sys, uuid
from services.common.imports.kinds import load_kinds
from services.common.imports.runner import run_import
load_kinds(["inquiries"])
print(asyncio.run(run_import(sys.argv[1], uuid.UUID(sys.argv[2]))))
# VmHWM: this process's peak (ru_maxrss would carry the forking parent's over exec)
print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


async def counts_of(url: str, job_id: uuid.UUID) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT rows_seen, rows_imported, rows_updated, rows_unchanged, rows_rejected "
            "FROM common_import_job WHERE id = $1",
            job_id,
        )
    finally:
        await conn.close()
    return dict(row)


def run_job(url: str, path: Path) -> tuple[float, float, dict[str, int]]:
    """The job in a child process, as the worker runs it: seconds, peak RSS (MB), counts."""
    job_id = asyncio.run(queue_job(url, path, path.stat().st_size))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(job_id)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    state, rss_kb = done.stdout.split()[-2:]
    assert state == "succeeded", done.stdout + done.stderr
    return seconds, int(rss_kb) / 1024, asyncio.run(counts_of(url, job_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".govhub" / "bench-imports")
    args = parser.parse_args()
    shutil.rmtree(args.data_dir, ignore_errors=True)
    embedded = EmbeddedDatabase(args.data_dir, database="govhub_bench_imports")
    try:
        url = to_plain_url(embedded.start())
        from services.common.migrate import upgrade

        upgrade(url)
        asyncio.run(prepare(url))
        path = args.data_dir / "inquiries.csv"
        console.print(f"writing {args.rows:,} rows to {path} …")
        write_csv(path, args.rows)
        console.print("raw COPY …")
        copy_seconds = asyncio.run(raw_copy(url, args.rows))
        console.print("import …")
        first_seconds, first_rss, first = run_job(url, path)
        console.print("rerun …")
        again_seconds, again_rss, again = run_job(url, path)
    finally:
        embedded.stop()

    copy_rate = args.rows / copy_seconds
    first_rate = args.rows / first_seconds
    again_rate = args.rows / again_seconds
    changed = again["rows_imported"] + again["rows_updated"]
    table = Table(
        title=f"inquiries import, {args.rows:,} rows "
        f"(load average at the end {os.getloadavg()[0]:.2f})"
    )
    for column in ("run", "seconds", "rows/s", "× raw COPY", "peak RSS MB", "counts", "goal"):
        table.add_column(column)
    table.add_row("raw COPY", f"{copy_seconds:.1f}", f"{copy_rate:,.0f}", "1.00", "", "", "")
    table.add_row(
        "import",
        f"{first_seconds:.1f}",
        f"{first_rate:,.0f}",
        f"{first_rate / copy_rate:.2f}",
        f"{first_rss:.0f}",
        f"{first['rows_imported']:,} imported, {first['rows_rejected']} rejected",
        f"≥ 0.5× COPY: {'PASS' if first_rate >= 0.5 * copy_rate else 'FAIL'}; "
        f"RSS ≤ 300: {'PASS' if first_rss <= 300 else 'FAIL'}",
    )
    table.add_row(
        "rerun",
        f"{again_seconds:.1f}",
        f"{again_rate:,.0f}",
        f"{again_rate / copy_rate:.2f}",
        f"{again_rss:.0f}",
        f"{changed} changed, {again['rows_unchanged']:,} unchanged",
        f"0 changed: {'PASS' if changed == 0 else 'FAIL'}; ≥ 1× import: "
        f"{'PASS' if again_rate >= first_rate else 'FAIL'}",
    )
    console.print(table)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "imports.json").write_text(
        json.dumps(
            {
                "rows": args.rows,
                "copy_seconds": copy_seconds,
                "import_seconds": first_seconds,
                "import_rss_mb": first_rss,
                "rerun_seconds": again_seconds,
                "rerun_rss_mb": again_rss,
                "import": first,
                "rerun": again,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
