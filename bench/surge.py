"""The crisis surge (S2-2): during an activation the intake holds 10× its steady rate.

`python -m bench.surge [--steady 5] [--factor 10] [--seconds 60]` (also run by `make bench`)
starts the whole hub as a newcomer does (`govhub run`: embedded PostgreSQL, the services,
the gateway and the worker, with the demo data), activates the Eastern amanah's flood
playbook, then posts anonymous citizen complaints through the gateway at `factor` ×
`steady` per second for `seconds`, open loop (a request leaves on schedule whether or not
the earlier ones were answered, as citizens do). Every text carries a flood keyword, so
every inquiry must end up tagged by the worker.

It prints one table: requests sent, answered 201, errors (anything else, timeouts
included), latency p50/p95/p99/max, acknowledged inquiries missing afterwards (lost), how
many the worker tagged and how long after the surge the last tag came. The goal: 0 errors,
0 lost, every inquiry tagged. Bounded: the surge stops after `seconds`, the tagging wait
after 300 s, and the hub is stopped (its whole process group) whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.harness import ROOT, free_port
from services.common.settings import SERVICE_NAMES

DEMO_PASSWORD = "Govhub-Demo-2026"  # noqa: S105 - the demo accounts' documented password
TEXTS = (
    ("سيول في النفق الشمالي", "السيارات عالقة في النفق بعد الأمطار"),
    ("تجمع مياه أمام المدرسة", "المياه تغمر الطريق منذ الصباح"),
    ("أمطار غزيرة في الحي", "غرق بعض المنازل في الحي الشرقي"),
)
console = Console(width=160)


def start_hub(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "GOVHUB_DATABASE_URL"} | {
        "GOVHUB_DATA_DIR": str(data_dir),
        "GOVHUB_PORT": str(port),
        "GOVHUB_LOG_LEVEL": "WARNING",
        "GOVHUB_DEMO_PASSWORD": DEMO_PASSWORD,
        # one load generator on one address: the anonymous limit is not what is measured
        "GOVHUB_RATE_LIMIT_ANONYMOUS": "100000000/minute",
        **{f"GOVHUB_{name.upper()}_PORT": str(free_port()) for name in SERVICE_NAMES},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "govhub.cli", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("govhub run exited before it was ready")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process, base
        time.sleep(0.5)
    stop_hub(process)
    raise SystemExit("the hub did not become ready within 600 s")


def stop_hub(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def activate(base: str) -> tuple[dict[str, str], str, str]:
    """The Eastern amanah's flood playbook activated at level 2: (staff headers, the
    amanah's id, the activation's id)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        token = client.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": "eastern.admin", "password": DEMO_PASSWORD},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        orgs = client.get("/v1/organizations", params={"limit": 500}, headers=headers).json()
        eastern = next(o["id"] for o in orgs["items"] if o["code"] == "EASTERN")
        playbook = client.get("/v1/crisis-playbooks", headers=headers).json()["items"][0]
        activation = client.post(
            f"/v1/crisis-playbooks/{playbook['id']}/activate",
            json={"level": 2, "organization_id": eastern},
            headers=headers,
        )
        activation.raise_for_status()
        return headers, eastern, str(activation.json()["id"])


async def surge(base: str, organization_id: str, rate: float, seconds: float) -> dict[str, Any]:
    """Open-loop posts at `rate` per second for `seconds`."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    acknowledged: list[str] = []
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(n: int) -> None:
            subject, body = TEXTS[n % len(TEXTS)]
            started = time.perf_counter()
            try:
                response = await client.post(
                    "/v1/inquiries",
                    headers={"Idempotency-Key": f"surge-{uuid.uuid4()}"},
                    json={
                        "kind": "complaint",
                        "channel": "website",
                        "organization_id": organization_id,
                        "subject": f"{subject} ({n})",
                        "body": body,
                    },
                )
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                return
            latencies.append((time.perf_counter() - started) * 1000)
            key = str(response.status_code)
            statuses[key] = statuses.get(key, 0) + 1
            if response.status_code == 201:
                acknowledged.append(str(response.json()["id"]))

        tasks: list[asyncio.Task[None]] = []
        start = time.perf_counter()
        total = int(rate * seconds)
        for n in range(total):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        sent_for = time.perf_counter() - start
        await asyncio.gather(*tasks)
    return {
        "sent": total,
        "sent_for": sent_for,
        "statuses": statuses,
        "latencies": sorted(latencies),
        "acknowledged": acknowledged,
    }


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(share * len(values)))]


def tagged_and_lost(
    base: str, headers: dict[str, str], activation_id: str, acknowledged: list[str]
) -> tuple[int, int, float]:
    """(tagged, lost, seconds until the last tag): waits up to 300 s for the worker."""
    tag = f"crisis:{activation_id}"
    wanted = set(acknowledged)
    started = time.monotonic()
    found: set[str] = set()
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        while time.monotonic() - started < 300:
            found, cursor = set(), None
            while True:
                params: dict[str, Any] = {"tag": tag, "limit": 500}
                if cursor:
                    params["cursor"] = cursor
                page = client.get("/v1/inquiries", params=params).json()
                found |= {item["id"] for item in page["items"]}
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            if wanted <= found:
                break
            time.sleep(2)
        waited = time.monotonic() - started
        missing = wanted - found
        lost = sum(
            1
            for inquiry_id in missing
            if client.get(f"/v1/inquiries/{inquiry_id}").status_code != 200
        )
    return len(wanted & found), lost, waited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steady", type=float, default=5.0, help="steady intake per second")
    parser.add_argument("--factor", type=float, default=10.0, help="the surge's multiple")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the surge lasts")
    args = parser.parse_args()
    rate = args.steady * args.factor
    data_dir = ROOT / ".govhub" / "bench-surge" / uuid.uuid4().hex[:12]
    data_dir.mkdir(parents=True)
    console.print(f"starting the hub with its demo data under {data_dir} …")
    process, base = start_hub(data_dir)
    try:
        headers, eastern, activation_id = activate(base)
        console.print(
            f"flood playbook active; surging at {rate:.0f}/s "
            f"({args.factor:.0f}× {args.steady:g}/s) for {args.seconds:.0f} s …"
        )
        result = asyncio.run(surge(base, eastern, rate, args.seconds))
        tagged, lost, waited = tagged_and_lost(base, headers, activation_id, result["acknowledged"])
    finally:
        stop_hub(process)
        shutil.rmtree(data_dir, ignore_errors=True)
    latencies = result["latencies"]
    ok = result["statuses"].get("201", 0)
    errors = result["sent"] - ok
    table = Table(title="crisis surge through the gateway (tagging on, real worker)")
    for column in (
        "rate/s",
        "sent",
        "201",
        "errors",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "lost",
        "tagged",
        "last tag after",
        "goal",
        "result",
    ):
        table.add_column(column, justify="right")
    passed = errors == 0 and lost == 0 and tagged == ok
    table.add_row(
        f"{rate:.0f}",
        str(result["sent"]),
        str(ok),
        str(errors),
        f"{statistics.median(latencies) if latencies else float('nan'):.1f}",
        f"{percentile(latencies, 0.95):.1f}",
        f"{percentile(latencies, 0.99):.1f}",
        f"{latencies[-1] if latencies else float('nan'):.1f}",
        str(lost),
        f"{tagged}/{ok}",
        f"{waited:.1f} s",
        "0 errors, 0 lost, all tagged",
        "PASS" if passed else "FAIL",
    )
    console.print(table)
    if errors:
        console.print(f"answers other than 201: {result['statuses']}")
    console.print(f"the {result['sent']} requests left over {result['sent_for']:.1f} s")


if __name__ == "__main__":
    main()
