"""Benchmark scenarios. Each prepares its data, then lists its targets: the bare baseline
first, then the service called directly, then through the gateway."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import jwt

from bench.harness import Stack
from services.common.keys import load_signing_key
from services.common.orgtree import path_of
from services.common.settings import GovhubSettings


@dataclass(frozen=True)
class Goal:
    """What a target must reach: a share of the bare baseline's throughput, measured in the
    same run (`ratio`), or a latency bound (`p95_ms`)."""

    ratio: float | None = None
    p95_ms: float | None = None

    def describe(self) -> str:
        if self.ratio is not None:
            return f"≥ {self.ratio:.1f}× bare"
        return f"p95 ≤ {self.p95_ms:.0f} ms"

    def met(self, row: dict[str, Any]) -> bool:
        if row["errors"] + row["non2xx"]:
            return False
        if self.ratio is not None and row.get("ratio") is not None:
            return bool(row["ratio"] >= self.ratio)
        if self.p95_ms is not None:
            return bool(row["p95"] <= self.p95_ms)
        return False


@dataclass
class Target:
    label: str
    url: str
    token: str | None = None
    body_file: Path | None = None
    goal: Goal | None = None
    connections: int | None = None  # default: --connections
    duration: int | None = None  # default: --duration


@dataclass
class Scenario:
    name: str
    prepare: Callable[[Stack], Coroutine[Any, Any, None]]
    targets: Callable[[Stack], list[Target]]
    baseline: bool = True  # the first target is the bare baseline the others are compared to


def bare_select_one(stack: Stack, connections: int, duration: int) -> Target:
    """The same-run floor of a latency-bound scenario: bare Starlette answering `SELECT 1`
    over asyncpg, at the scenario's connections (what the machine's load costs alone)."""
    return Target(
        "baseline: bare SELECT 1",
        f"{stack.url('bare')}/select1",
        connections=connections,
        duration=duration,
    )


def one_at_a_time(target: Target) -> Target:
    """The target with one connection: the request's own latency, without the queueing
    of several concurrent requests on the service's one event loop (shown beside the
    concurrent row, whose goal is the one that counts)."""
    return replace(target, label=f"{target.label}, 1 connection", connections=1)


def mint_token(stack: Stack, org_id: uuid.UUID, roles: list[str]) -> str:
    settings = GovhubSettings(data_dir=stack.data_dir)
    key = load_signing_key(settings)
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "org": str(org_id),
        "roles": roles,
        "scope": "",
        "typ_principal": "user",
        "preferred_username": "bench",
    }
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


BENCH_ORG = uuid.UUID("00000000-0000-4000-8000-00000000b001")


async def prepare_organization(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute(
            """INSERT INTO directory_organization (id, path, kind, code, name_ar, name_en)
               VALUES ($1, $2::ltree, 'ministry', 'BENCH-MIN', 'وزارة القياس', 'Bench ministry')
               ON CONFLICT (id) DO NOTHING""",
            BENCH_ORG,
            path_of([BENCH_ORG]),
        )
    finally:
        await conn.close()


def organization_targets(stack: Stack) -> list[Target]:
    token = mint_token(stack, BENCH_ORG, ["org_admin"])
    path = f"/v1/organizations/{BENCH_ORG}"
    return [
        Target("bare starlette+asyncpg", f"{stack.url('bare')}/organizations/{BENCH_ORG}"),
        Target("directory direct", f"{stack.url('directory')}{path}", token),
        Target("through gateway", f"{stack.url('gateway')}{path}", token),
    ]


SCENARIOS: list[Scenario] = [
    Scenario("GET organization by id", prepare_organization, organization_targets),
]
