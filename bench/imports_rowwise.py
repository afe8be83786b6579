"""`python -m bench.imports_rowwise [--rows N] [--kinds …]` — the calendar's and the
campaigns' imports: calendar entries, initiatives and KPI values (each set-based: the
create's and update's rules in Python, COPY into staging, one statement a batch; the kinds
began as the services' use cases row by row, `services/common/imports/rowwise.py`).

On its own embedded database (`.govhub/bench-imports-rowwise`, fresh every run): an
organization with an `x` channel and children (one per 1,000 rows), a monthly KPI, then a
CSV of N calendar entries (a quarter of them weekly series of ten occurrences), a CSV of N
initiatives (programmes of ten, the nine children in the same batch as their programme)
and a CSV of N KPI values. Each file is imported as the worker runs a job
(`services.common.imports.runner.run_import`, in a child process), then again: rows/s of
both runs, the rerun's rows changed (goal: 0) and the child's peak RSS (`VmHWM`); the
campaigns' files then once more with every row changed (KPI values corrected; initiatives'
titles, budgets and weights), which updates every row. No speed
goal is set for these kinds (issue 19's goals are the inquiries').
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
from rich.console import Console
from rich.table import Table

from bench.harness import ROOT
from services.common.embedded import EmbeddedDatabase, to_plain_url
from services.common.orgtree import path_of

console = Console(width=150)
ORG = uuid.UUID("00000000-0000-4000-8000-00000000c001")
PER_CHILD = 1000  # KPI values per child organization (distinct months)


def children(rows: int) -> list[tuple[uuid.UUID, str]]:
    return [
        (uuid.UUID(int=ORG.int + 1 + n), f"BENCH-KID-{n}")
        for n in range((rows + PER_CHILD - 1) // PER_CHILD)
    ]


def write_entries(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("external_id,kind,title_ar,organization_code,starts_at,ends_at,rrule,channels\n")
        for n in range(rows):
            day = 1 + n % 28
            rule = "FREQ=WEEKLY;COUNT=10" if n % 4 == 0 else ""
            out.write(
                f"E-{n},meeting,اجتماع اللجنة رقم {n},BENCH-ORG,"
                f"2027-03-{day:02d}T10:00:00+03:00,2027-03-{day:02d}T11:00:00+03:00,{rule},x\n"
            )


def write_initiatives(path: Path, rows: int, changed: bool = False) -> None:
    """Programmes of the children, each with nine initiatives under it (in the same
    batch: the set-based load inserts them in waves); `changed`: every row's title,
    budget and weight corrected (each programme's progress derived again)."""
    kids = children(rows)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "external_id,code,title_ar,organization_code,axis_code,parent_code,start_date,"
            "end_date,budget_planned,weight\n"
        )
        title, extra, weight = ("مبادرة معدلة رقم", 1, 2) if changed else ("مبادرة رقم", 0, 1)
        for n in range(rows):
            _, org = kids[n // PER_CHILD]
            parent = "" if n % 10 == 0 else f"INI-{n - n % 10}"
            out.write(
                f"I-{n},INI-{n},{title} {n},{org},health_awareness,{parent},"
                f"2027-01-01,2027-12-31,{1000 * (n % 50) + extra},{weight}\n"
            )


def write_values(path: Path, rows: int, changed: bool = False) -> None:
    """`changed`: every row's value corrected."""
    kids = children(rows)
    fraction = "75" if changed else "5"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("external_id,kpi_code,organization_code,period,value\n")
        for n in range(rows):
            _, code = kids[n // PER_CHILD]
            month = n % PER_CHILD
            period = f"{1950 + month // 12}-{1 + month % 12:02d}"
            out.write(f"V-{n},BENCH-KPI,{code},{period},{n % 97}.{fraction}\n")


async def prepare(url: str, rows: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO directory_organization (id, path, kind, code, name_ar) "
            "VALUES ($1, $2::ltree, 'municipality', 'BENCH-ORG', 'بلدية القياس')",
            ORG,
            path_of([ORG]),
        )
        for kid, code in children(rows):
            await conn.execute(
                "INSERT INTO directory_organization (id, parent_id, path, kind, code, name_ar) "
                "VALUES ($1, $2, $3::ltree, 'unit', $4, 'وحدة القياس')",
                kid,
                ORG,
                path_of([ORG, kid]),
                code,
            )
        await conn.execute(
            "INSERT INTO directory_channel (id, organization_id, kind, name_ar, intake, active) "
            "VALUES ($1, $2, 'x', 'إكس', false, true)",
            uuid.uuid4(),
            ORG,
        )
        await conn.execute(
            "INSERT INTO campaign_kpi (id, code, name_ar, organization_id, unit, direction, "
            "frequency, aggregation) VALUES ($1, 'BENCH-KPI', 'مؤشر القياس', $2, 'percent', "
            "'up', 'monthly', 'avg')",
            uuid.uuid4(),
            ORG,
        )
    finally:
        await conn.close()


async def queue_job(url: str, service: str, kind: str, path: Path, size: int) -> uuid.UUID:
    job_id = uuid.uuid4()
    actor = {
        "subject": "bench",
        "kind": "user",
        "organization_id": str(ORG),
        "roles": ["org_admin"],
        "scopes": [],
        "username": "bench",
    }
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO common_import_job (id, service, kind, actor, organization_id, language,"
            " source, format, path, size_bytes) VALUES ($1, $2, $3, $4, $5, 'en', 'bench', "
            "'csv', $6, $7)",
            job_id,
            service,
            kind,
            json.dumps(actor),
            ORG,
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
load_kinds(["calendar", "campaigns"])
print(asyncio.run(run_import(sys.argv[1], uuid.UUID(sys.argv[2]))))
print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


async def counts_of(url: str, job_id: uuid.UUID) -> dict[str, float]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT rows_seen, rows_imported, rows_updated, rows_unchanged, rows_rejected, "
            "extract(epoch FROM finished_at - started_at)::float AS job_seconds "
            "FROM common_import_job WHERE id = $1",
            job_id,
        )
    finally:
        await conn.close()
    return dict(row)


def run_job(url: str, service: str, kind: str, path: Path) -> tuple[float, float, dict[str, float]]:
    """The job in a child process: the process's seconds (imports of the code included),
    its peak RSS (MB), the job's counts and `job_seconds` (started to finished)."""
    job_id = asyncio.run(queue_job(url, service, kind, path, path.stat().st_size))
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
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument(
        "--kinds",
        default="entries,initiatives,kpi_values",
        help="comma-separated: entries, initiatives, kpi_values",
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".govhub" / "bench-imports-rowwise")
    args = parser.parse_args()
    shutil.rmtree(args.data_dir, ignore_errors=True)
    embedded = EmbeddedDatabase(args.data_dir, database="govhub_bench_imports_rowwise")
    results: dict[str, dict[str, tuple[float, float, dict[str, float]]]] = {}
    try:
        url = to_plain_url(embedded.start())
        from services.common.migrate import upgrade

        upgrade(url)
        asyncio.run(prepare(url, args.rows))
        for service, kind, write in (
            ("calendar", "entries", write_entries),
            ("campaigns", "initiatives", write_initiatives),
            ("campaigns", "kpi_values", write_values),
        ):
            if kind not in args.kinds.split(","):
                continue
            path = args.data_dir / f"{kind}.csv"
            write(path, args.rows)
            console.print(f"{kind}: import …")
            first = run_job(url, service, kind, path)
            console.print(f"{kind}: rerun …")
            again = run_job(url, service, kind, path)
            results[kind] = {"import": first, "rerun": again}
            if kind == "initiatives":
                write_initiatives(path, args.rows, changed=True)
            elif kind == "kpi_values":
                write_values(path, args.rows, changed=True)
            if kind != "entries":
                console.print(f"{kind}: rerun with every row changed …")
                results[kind]["changed"] = run_job(url, service, kind, path)
    finally:
        embedded.stop()

    table = Table(
        title=f"calendar and campaigns imports, {args.rows:,} rows each "
        f"(load average at the end {os.getloadavg()[0]:.2f})"
    )
    for column in ("kind", "run", "job seconds", "rows/s", "process s", "peak RSS MB", "counts"):
        table.add_column(column)
    for kind, runs in results.items():
        for name, (seconds, rss, counts) in runs.items():
            changed = int(counts["rows_imported"] + counts["rows_updated"])
            job_seconds = counts["job_seconds"]
            table.add_row(
                kind,
                name,
                f"{job_seconds:.1f}",
                f"{args.rows / job_seconds:,.0f}",
                f"{seconds:.1f}",
                f"{rss:.0f}",
                f"{changed:,} changed, {int(counts['rows_unchanged']):,} unchanged, "
                f"{int(counts['rows_rejected'])} rejected",
            )
    console.print(table)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "imports_rowwise.json").write_text(
        json.dumps({"rows": args.rows, **results}, indent=2, default=str)
    )


if __name__ == "__main__":
    main()
