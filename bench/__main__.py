"""`python -m bench [--duration S] [--connections N] [--only NAME]` — prints the tables."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.harness import ROOT, Stack, wrk
from bench.scenarios import SCENARIOS, Scenario

console = Console()


def run_scenario(
    stack: Stack, scenario: Scenario, args: argparse.Namespace
) -> list[dict[str, Any]]:
    rows = []
    for target in scenario.targets(stack):
        wrk(
            target.url,
            duration=2,
            connections=args.connections,
            token=target.token,
            body_file=target.body_file,
        )  # warm-up
        result = wrk(
            target.url,
            duration=args.duration,
            connections=args.connections,
            token=target.token,
            body_file=target.body_file,
        )
        rows.append({"scenario": scenario.name, "target": target.label, **result})
    baseline = rows[0]["rps"] or 1.0
    for row in rows:
        row["ratio"] = row["rps"] / baseline
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    table = Table(title="govhub benchmarks (wrk on loopback, 2 cores shared with the servers)")
    for column in ("scenario", "target", "req/s", "p50 ms", "p95 ms", "p99 ms", "× bare", "errors"):
        table.add_column(
            column, justify="right" if column not in ("scenario", "target") else "left"
        )
    for row in rows:
        table.add_row(
            row["scenario"],
            row["target"],
            f"{row['rps']:.0f}",
            f"{row['p50']:.2f}",
            f"{row['p95']:.2f}",
            f"{row['p99']:.2f}",
            f"{row['ratio']:.2f}",
            str(row["errors"] + row["non2xx"]),
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", action="append", help="run only these scenarios")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".govhub" / "bench")
    args = parser.parse_args()

    stack = Stack(args.data_dir)
    try:
        console.print("starting the embedded database and migrating …")
        stack.start_database()
        scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
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
        (out / "latest.json").write_text(json.dumps(rows, indent=2))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
