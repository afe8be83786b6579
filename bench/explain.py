"""`python -m bench.explain` — EXPLAIN (ANALYZE, BUFFERS) of the inquiries list, per filter.

For each filter of `bench.inquiries.FILTERS` it calls the service's own
`service.list_inquiries` (as the benchmark's ministry-level org_admin, first page of 50)
on the seeded bench database, captures the SQL and parameters the repository sent (an
engine `before_cursor_execute` hook: no copy of the query to drift from it), and writes
bench/explain/inquiries_list_<filter>.txt with the statement (binds shown as literals) and
two plans:

1. the first execution (PostgreSQL plans it with the actual values: a custom plan);
2. the sixth execution of the same prepared statement, as a pooled asyncpg connection
   runs it under load (PostgreSQL may switch to a generic plan after five executions).

Then it prints, per filter, the execution times and whether every scan of `inquiry` is
an index scan; a sequential scan is reported.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import seed
from bench.harness import BENCH_DIR, ROOT, Stack
from bench.inquiries import FILTERS, reset
from services.common.auth import Principal
from services.common.db import build_engine, build_sessionmaker
from services.common.pagination import DEFAULT_LIMIT, PageParams
from services.common.search import SORT_NEWEST, SearchOptions
from services.common.settings import GovhubSettings
from services.inquiries.domain.filters import InquiryFilters
from services.inquiries.service import inquiries as service

OUT = BENCH_DIR / "explain"
LIST_FIELDS = ("status", "kind", "channel", "priority")


def to_filters(params: dict[str, str]) -> InquiryFilters:
    """The query parameters of GET /v1/inquiries as the API's dependency parses them."""
    values: dict[str, Any] = {}
    for name, value in params.items():
        if name in LIST_FIELDS:
            values[name] = [value]
        elif name in ("organization_id", "category_id", "assignee_id"):
            values[name] = uuid.UUID(value)
        elif name in ("created_from", "created_to"):
            values[name] = datetime.fromisoformat(value)
        else:
            values[name] = value
    return InquiryFilters(**values)


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def with_literals(statement: str, parameters: Any) -> str:
    values = list(parameters)
    return re.sub(r"\$(\d+)", lambda m: literal(values[int(m.group(1)) - 1]), statement)


@dataclass
class Finding:
    name: str
    first_ms: float
    prepared_ms: float
    seq_scans: list[str]
    scans: list[str]


_SCAN = re.compile(
    r"(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)"
    r"( Backward)?( using \S+)? on (inquiry|ix_inquiry\S*)\b"
)


def _scans(plan: str) -> list[str]:
    """The nodes that read `inquiry` or one of its indexes."""
    return [m.group(0) for m in map(_SCAN.search, plan.splitlines()) if m]


def _execution_ms(plan: str) -> float:
    match = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return float(match.group(1)) if match else float("nan")


async def _explain(conn: AsyncConnection, statement: str, parameters: Any) -> tuple[str, str]:
    first = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, tuple(parameters))
    first_plan = "\n".join(r[0] for r in first)
    args = ", ".join(literal(v) for v in parameters)
    await conn.exec_driver_sql(f"PREPARE bench_list AS {statement}")
    try:
        for _ in range(5):
            await conn.exec_driver_sql(f"EXECUTE bench_list({args})")
        prepared = await conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_list({args})"
        )
        prepared_plan = "\n".join(r[0] for r in prepared)
    finally:
        await conn.exec_driver_sql("DEALLOCATE bench_list")
    return first_plan, prepared_plan


async def explain_all(database_url: str, data_dir: Path) -> list[Finding]:
    settings = GovhubSettings(data_dir=data_dir, database_url=database_url)
    engine = build_engine(database_url, settings)
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    principal = Principal(
        subject=str(uuid.uuid4()),
        kind="user",
        organization_id=seed.org_id(0),
        roles=frozenset({"org_admin"}),
    )
    findings = []
    OUT.mkdir(exist_ok=True)
    try:
        for name, params in FILTERS.items():
            async with build_sessionmaker(engine)() as session:
                captured.clear()
                page = PageParams(DEFAULT_LIMIT, None)
                list_params = {k: v for k, v in params.items() if k != "sort"}
                options = SearchOptions(sort=params.get("sort", SORT_NEWEST))
                await service.list_inquiries(
                    session, principal, to_filters(list_params), page, options
                )
                # the page's query comes last (a relevance page's SET and RESET around it)
                statement, parameters = [c for c in captured if "SELECT" in c[0]][-1]
                conn = await session.connection()
                first, prepared = await _explain(conn, statement, parameters)
                await session.rollback()
            query = "&".join(f"{k}={v}" for k, v in params.items())
            OUT.joinpath(f"inquiries_list_{name}.txt").write_text(
                f"GET /v1/inquiries?{query}\n"
                "as an org_admin of the bench ministry (26 organizations), first page "
                f"(limit {DEFAULT_LIMIT} + 1), on {seed.ROWS:,} generated inquiries\n\n"
                "-- the statement the repository sent (binds shown as literals)\n"
                f"{with_literals(statement, parameters)}\n\n"
                "-- EXPLAIN (ANALYZE, BUFFERS), first execution (custom plan)\n"
                f"{first}\n\n"
                "-- EXPLAIN (ANALYZE, BUFFERS) EXECUTE, sixth execution of the prepared "
                "statement (as a pooled connection runs it under load)\n"
                f"{prepared}\n",
                encoding="utf-8",
            )
            scans = _scans(first) + _scans(prepared)
            findings.append(
                Finding(
                    name,
                    _execution_ms(first),
                    _execution_ms(prepared),
                    [s for s in scans if s.startswith("Seq Scan")],
                    sorted(set(scans)),
                )
            )
    finally:
        await engine.dispose()
    return findings


async def _seeded_and_reset(database_url: str) -> None:
    await seed.seed(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        await reset(conn)  # the plans are of the seeded rows, not of earlier POST runs
        await conn.execute("ANALYZE inquiry")
    finally:
        await conn.close()


def main() -> None:
    stack = Stack(ROOT / ".govhub" / "bench")
    try:
        stack.start_database()
        asyncio.run(_seeded_and_reset(stack.database_url))
        findings = asyncio.run(explain_all(stack.database_url, stack.data_dir))
    finally:
        stack.stop()
    print(f"{'filter':<16} {'first ms':>9} {'prepared ms':>12}  scans of inquiry")
    for f in findings:
        verdict = "SEQ SCAN: " + "; ".join(f.seq_scans) if f.seq_scans else "index scans"
        print(f"{f.name:<16} {f.first_ms:>9.2f} {f.prepared_ms:>12.2f}  {verdict}")
        for scan in f.scans:
            print(f"{'':<40}{scan}")
    print(f"plans written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
