"""`python -m bench.sign_in` — failed sign-ins under real concurrency, against the real
directory process (uvicorn, its default pool of 10 connections, the production Argon2id
profile) on the embedded PostgreSQL.

Each burst fires its failed sign-ins at once together with one right sign-in, and prints
every request's time to answer. The goal (issue 23): ten and a hundred concurrent failed
sign-ins answer 401 within a second each while the other sign-in keeps working — before
the fix ten at once held the pool's ten connections, each waiting for an eleventh, and
every directory call waited ~30 s.

Directly on the directory: the gateway would (rightly) refuse most of a burst from one
address with 429 before it reached the pool.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.harness import ROOT, free_port, uvicorn
from services.common.embedded import EmbeddedDatabase
from services.common.settings import GovhubSettings

ADMIN_PASSWORD = "Bench-Sign-In-2026"  # noqa: S105 (a throwaway bench database)
GOAL_SECONDS = 1.0
console = Console(width=150)


@dataclass
class Burst:
    name: str
    usernames: list[str]  # one failed sign-in each, all at once


async def _one(client: httpx.AsyncClient, username: str, password: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = await client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )
    return response.status_code, time.perf_counter() - started


async def run_burst(base: str, burst: Burst) -> dict[str, object]:
    limits = httpx.Limits(max_connections=len(burst.usernames) + 10)
    async with httpx.AsyncClient(base_url=base, timeout=180, limits=limits) as client:
        failed = [_one(client, name, "Wrong-Password-1") for name in burst.usernames]
        right = _one(client, "admin", ADMIN_PASSWORD)
        answers = await asyncio.gather(*failed, right)
    failures, (right_status, right_time) = answers[:-1], answers[-1]
    times = sorted(seconds for _, seconds in failures)
    statuses = sorted({status for status, _ in failures})
    return {
        "burst": burst.name,
        "statuses": ",".join(map(str, statuses)),
        "p50": times[len(times) // 2],
        "max": times[-1],
        "right": f"{right_status} in {right_time:.2f} s",
        "met": statuses == [401] and times[-1] <= GOAL_SECONDS and right_status == 200,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".govhub" / "bench-sign-in")
    parser.add_argument(
        "--cheap-hash",
        action="store_true",
        help="Argon2id's cheapest profile (GOVHUB_ENVIRONMENT=test): what is left is the "
        "pool and the database, without the password hashing's CPU",
    )
    args = parser.parse_args()
    environment = "test" if args.cheap_hash else "development"

    database = EmbeddedDatabase(args.data_dir, database="govhub_sign_in")
    url = database.start()
    from services.common.migrate import upgrade
    from services.directory.bootstrap import run_bootstrap

    upgrade(url)
    settings = GovhubSettings(
        environment="development",
        database_url=url,
        data_dir=args.data_dir,
        admin_password=ADMIN_PASSWORD,
    )
    asyncio.run(run_bootstrap(url, settings, demo=False))
    port = free_port()
    env = os.environ | {
        "GOVHUB_DATABASE_URL": url,
        "GOVHUB_DATA_DIR": str(args.data_dir),
        # development hashes with the production Argon2id profile; test with the cheapest
        "GOVHUB_ENVIRONMENT": environment,
        "GOVHUB_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        uvicorn("services.directory.app:create_app", port), cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        bursts = [
            Burst("10 failed, 10 usernames", [f"ghost{i}.user" for i in range(10)]),
            Burst("100 failed, one username", ["ghost.user"] * 100),
            Burst("100 failed, 100 usernames", [f"ghost{i}.other" for i in range(100)]),
        ]
        rows = []
        for burst in bursts:
            rows.append(asyncio.run(run_burst(base, burst)))
            console.print(f"{burst.name}: max {rows[-1]['max']:.2f} s, {rows[-1]['right']}")
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        database.stop()

    profile = "cheapest Argon2id" if args.cheap_hash else "production Argon2id"
    table = Table(
        title=f"failed sign-ins at once, {profile} (goal: each 401 within {GOAL_SECONDS:.0f} s)"
    )
    for column in ("burst", "statuses", "p50 s", "max s", "right sign-in", "goal"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["burst"]),
            str(row["statuses"]),
            f"{row['p50']:.2f}",
            f"{row['max']:.2f}",
            str(row["right"]),
            "PASS" if row["met"] else "FAIL",
        )
    console.print(table)


if __name__ == "__main__":
    main()
