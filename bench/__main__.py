"""`python -m bench [--duration S] [--connections N] [--only NAME]` — prints the tables.

Every run is bounded (`wrk -d`); targets carry their goal (a share of the bare baseline
measured in the same run, or a p95 bound) and the table says PASS or FAIL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import inquiries
from bench.harness import ROOT, Stack, wrk
from bench.scenarios import SCENARIOS as BASE_SCENARIOS
from bench.scenarios import Scenario

console = Console(width=170)  # the table stays readable in logs and narrow terminals
SCENARIOS: list[Scenario] = [*BASE_SCENARIOS, *inquiries.SCENARIOS]


def run_scenario(
    stack: Stack, scenario: Scenario, args: argparse.Namespace
) -> list[dict[str, Any]]:
    rows = []
    for target in scenario.targets(stack):
        connections = target.connections or args.connections
        duration = target.duration or args.duration
        for seconds in (min(2, duration), duration):  # a warm-up, then the measured run
            result = wrk(
                target.url,
                duration=seconds,
                connections=connections,
                token=target.token,
                body_file=target.body_file,
            )
        rows.append(
            {
                "scenario": scenario.name,
                "target": target.label,
                "connections": connections,
                "goal": target.goal,
                **result,
            }
        )
    baseline = rows[0]["rps"] or 1.0
    for row in rows:
        row["ratio"] = row["rps"] / baseline if scenario.baseline else None
        goal = row["goal"]
        row["result"] = "" if goal is None else "PASS" if goal.met(row) else "FAIL"
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    load = os.getloadavg()[0]
    table = Table(
        title="govhub benchmarks (wrk on loopback, 2 cores shared with the servers; "
        f"load average at the end {load:.2f})"
    )
    columns = ("scenario", "target", "conns", "req/s", "p50 ms", "p95 ms", "p99 ms")
    for column in (*columns, "× bare", "goal", "result", "errors"):
        left = column in ("scenario", "target", "goal")
        table.add_column(column, justify="left" if left else "right")
    for row in rows:
        goal = row["goal"]
        result = row["result"]
        table.add_row(
            row["scenario"],
            row["target"],
            str(row["connections"]),
            f"{row['rps']:.0f}",
            f"{row['p50']:.2f}",
            f"{row['p95']:.2f}",
            f"{row['p99']:.2f}",
            "" if row["ratio"] is None else f"{row['ratio']:.2f}",
            goal.describe() if goal else "",
            f"[green]{result}[/green]" if result == "PASS" else f"[red]{result}[/red]",
            str(row["errors"] + row["non2xx"]),
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--only",
        action="append",
        help="run only these scenarios: " + ", ".join(repr(s.name) for s in SCENARIOS),
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".govhub" / "bench")
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    if not scenarios:
        parser.error(f"no scenario named {args.only}")

    stack = Stack(args.data_dir)
    try:
        console.print("starting the embedded database and migrating …")
        stack.start_database()
        for scenario in scenarios:
            console.print(f"preparing {scenario.name} …")
            asyncio.run(scenario.prepare(stack))
        stack.start_processes()
        rows: list[dict[str, Any]] = []
        for scenario in scenarios:
            console.print(f"running {scenario.name} …")
            rows += run_scenario(stack, scenario, args)
        print_table(rows)
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        saved = [{**row, "goal": row["goal"].describe() if row["goal"] else None} for row in rows]
        (out / "latest.json").write_text(json.dumps(saved, indent=2, ensure_ascii=False))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
