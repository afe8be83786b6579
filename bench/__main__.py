"""`python -m bench [--duration S] [--connections N] [--rounds R] [--only NAME]` — prints
the tables.

Every run is bounded (`wrk -d`); targets carry their goal (a share of the bare baseline
measured in the same run, or a p95 bound) and the table says PASS or FAIL. Ratio targets
are measured in interleaved rounds and the median counts: on a shared 2-core machine the
same target varies by a third from one run to the next.
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

from bench import attachments, calendar, campaigns, inquiries, intake_memory, replicas
from bench.harness import ROOT, Stack, wrk
from bench.scenarios import SCENARIOS as BASE_SCENARIOS
from bench.scenarios import Scenario, Target

console = Console(width=190)  # the table stays readable in logs and narrow terminals
SCENARIOS: list[Scenario] = [
    *BASE_SCENARIOS,
    *inquiries.SCENARIOS,
    *replicas.SCENARIOS,
    *intake_memory.SCENARIOS,
    *campaigns.SCENARIOS,
    *calendar.SCENARIOS,
]


def run_scenario(
    stack: Stack, scenario: Scenario, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Each target warmed up, then measured `--rounds` times, the targets interleaved (bare,
    direct, gateway, bare, …) so a slow spell of the machine hits all of them alike; a
    target's row is its median round by req/s. Scenarios without a baseline (the list's
    latency bounds) run one round."""
    targets = scenario.targets(stack)
    rounds = args.rounds if scenario.baseline else 1
    runs: list[list[dict[str, Any]]] = [[] for _ in targets]

    def measure(target: Target, seconds: int) -> dict[str, Any]:
        return wrk(
            target.url,
            duration=seconds,
            connections=target.connections or args.connections,
            token=target.token,
            body_file=target.body_file,
        )

    for target in targets:
        measure(target, min(2, target.duration or args.duration))  # warm-up
    for _ in range(rounds):
        for index, target in enumerate(targets):
            runs[index].append(measure(target, target.duration or args.duration))
    rows = []
    for target, measured in zip(targets, runs, strict=True):
        median = sorted(measured, key=lambda r: r["rps"])[len(measured) // 2]
        rows.append(
            {
                "scenario": scenario.name,
                "target": target.label,
                "connections": target.connections or args.connections,
                "goal": target.goal,
                "rounds": [round(r["rps"]) for r in measured],
                **median,
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
    columns = ("scenario", "target", "conns", "req/s", "rounds", "p50 ms", "p95 ms", "p99 ms")
    # × baseline: the scenario's first target (the bare app; for the replica scenarios,
    # one replica; for the intake memory's, the memory off)
    for column in (*columns, "× baseline", "goal", "result", "errors"):
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
            "/".join(str(r) for r in row["rounds"]) if len(row["rounds"]) > 1 else "",
            f"{row['p50']:.2f}",
            f"{row['p95']:.2f}",
            f"{row['p99']:.2f}",
            "" if row["ratio"] is None else f"{row['ratio']:.2f}",
            goal.describe() if goal else "",
            f"[green]{result}[/green]" if result == "PASS" else f"[red]{result}[/red]",
            str(row["errors"] + row["non2xx"]),
        )
    console.print(table)


def print_transfers(rows: list[dict[str, Any]]) -> None:
    table = Table(
        title="attachments through the gateway (one client, sequential; RSS growth over the "
        "warm process, sampled every 5 ms)"
    )
    for column in ("target", "requests", "MiB/s", "ms each", "peak RSS MiB", "RSS growth KiB"):
        table.add_column(column, justify="left" if column == "target" else "right")
    table.add_column("goal")
    table.add_column("result")
    for row in rows:
        result = row["result"]
        table.add_row(
            row["target"],
            str(row["requests"]),
            f"{row['mib_per_s']:.1f}",
            f"{row['ms_per_request']:.0f}",
            " / ".join(f"{k} {v}" for k, v in row["rss_mib"].items()),
            " / ".join(f"{k} {v}" for k, v in row["growth_kib"].items()),
            row["goal"],
            f"[green]{result}[/green]" if result == "PASS" else f"[red]{result}[/red]",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="measured runs per target (the median counts)"
    )
    parser.add_argument(
        "--only",
        action="append",
        help="run only these scenarios: "
        + ", ".join(repr(s.name) for s in SCENARIOS)
        + f", {attachments.NAME!r}",
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".govhub" / "bench")
    args = parser.parse_args()
    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    with_attachments = not args.only or attachments.NAME in args.only
    if not scenarios and not with_attachments:
        parser.error(f"no scenario named {args.only}")

    stack = Stack(args.data_dir)
    try:
        console.print("starting the embedded database and migrating …")
        stack.start_database()
        for scenario in scenarios:
            console.print(f"preparing {scenario.name} …")
            asyncio.run(scenario.prepare(stack))
        if with_attachments:
            asyncio.run(attachments.prepare(stack))
        stack.start_processes()
        rows: list[dict[str, Any]] = []
        for scenario in scenarios:
            console.print(f"running {scenario.name} …")
            rows += run_scenario(stack, scenario, args)
        if rows:
            print_table(rows)
        saved = [{**row, "goal": row["goal"].describe() if row["goal"] else None} for row in rows]
        if with_attachments:
            console.print(f"running {attachments.NAME} …")
            transfers = attachments.run(stack)
            print_transfers(transfers)
            saved += transfers
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "latest.json").write_text(json.dumps(saved, indent=2, ensure_ascii=False))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
