"""The gateway's own operations: liveness and the aggregated readiness of the hub."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from services.common.context import request_id_var
from services.common.errors import problem_body
from services.common.handlers import problem_response
from services.common.i18n import text
from services.common.problems import problems

READINESS_TIMEOUT_SECONDS = 2.0

CheckState = Literal["up", "down", "unknown"]


class Liveness(BaseModel):
    status: Literal["ok"] = Field(description="The gateway process answers.")
    service: Literal["gateway"] = "gateway"


class OutboxBacklog(BaseModel):
    pending: int = Field(description="Events not delivered yet.", examples=[0])
    oldest_pending_seconds: float = Field(
        description="Age of the oldest undelivered event.", examples=[0.0]
    )
    dead: int = Field(description="Events given up after every attempt.", examples=[0])


class Readiness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ready",
                    "checks": {
                        "directory": "up",
                        "inquiries": "up",
                        "calendar": "up",
                        "campaigns": "up",
                        "database": "up",
                        "worker": "up",
                    },
                    "outbox": {"pending": 0, "oldest_pending_seconds": 0.0, "dead": 0},
                }
            ]
        }
    )

    status: Literal["ready"]
    checks: dict[str, CheckState] = Field(
        description="Each service, the database and the worker (its heartbeat is fresh): "
        "`up`, `down`, or `unknown` when no service could tell."
    )
    outbox: OutboxBacklog | None = Field(
        None, description="The outbox backlog, as the services read it."
    )


router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness of the gateway", response_model=Liveness)
async def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: every service, the database and the worker answer",
    description="Asks each service's own readiness probe at once (2 s each); the services "
    "read the worker's heartbeat and the outbox backlog. 503 problem details (with "
    "`Retry-After`) name what is down in `checks`.",
    response_model=Readiness,
    responses=problems(503),
)
async def readyz(request: Request) -> Response:
    gateway = request.app.state.gateway
    ready, checks, outbox = await probe_hub(gateway.proxy.client, gateway.routes.replicas)
    extra: dict[str, Any] = {"outbox": outbox} if outbox is not None else {}
    if ready:
        return JSONResponse({"status": "ready", "checks": checks, **extra})
    down = ", ".join(name for name, state in checks.items() if state != "up")
    body = problem_body(
        503,
        "service_unavailable",
        text(f"غير متاح: {down}", f"Not available: {down}"),
        checks=checks,
        **extra,
    )
    return problem_response(body, 503, {"Retry-After": "5"})


async def probe_services(
    client: httpx.AsyncClient | None,
    services: Mapping[str, str | Sequence[str]],
    probe_timeout: float = READINESS_TIMEOUT_SECONDS,
) -> tuple[bool, dict[str, str]]:
    """(all ready?, checks): each service's state and the database's, from their /readyz."""
    ready, checks, _ = await probe_hub(client, services, probe_timeout)
    return ready, checks


async def probe_hub(
    client: httpx.AsyncClient | None,
    services: Mapping[str, str | Sequence[str]],
    probe_timeout: float = READINESS_TIMEOUT_SECONDS,
) -> tuple[bool, dict[str, str], dict[str, Any] | None]:
    """(all ready?, checks, outbox): each service's state, the database's and the
    worker's (its heartbeat, as the services read it), and the outbox backlog. A service
    with several replicas (`services` names their base URLs) is up when one of them is:
    the gateway sends its requests to those that answer."""
    request_id = request_id_var.get()
    headers = {"x-request-id": request_id} if request_id else None

    async def probe(base_url: str) -> tuple[str, dict[str, Any]]:
        if client is None:
            return "down", {}
        try:
            response = await client.get(
                base_url + "/readyz", timeout=probe_timeout, headers=headers
            )
        except httpx.HTTPError:
            return "down", {}
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return ("up" if response.status_code == 200 else "down"), (
            answer if isinstance(answer, dict) else {}
        )

    def reported(answer: dict[str, Any], name: str) -> str | None:
        found = answer.get("checks")
        state = found.get(name) if isinstance(found, dict) else None
        return state if state in ("up", "down") else None

    probes = [
        (name, url)
        for name, urls in services.items()
        for url in ((urls,) if isinstance(urls, str) else urls)
    ]
    results = await asyncio.gather(*(probe(url) for _, url in probes))
    checks: dict[str, str] = {}
    for (name, _), (state, _) in zip(probes, results, strict=True):
        if checks.get(name) != "up":
            checks[name] = state
    databases = {s for _, answer in results if (s := reported(answer, "database")) is not None}
    checks["database"] = "down" if "down" in databases else ("up" if databases else "unknown")
    ready = all(state == "up" for state in checks.values())
    # every service reads the same heartbeat table: any one that answered tells
    workers = {s for _, answer in results if (s := reported(answer, "worker")) is not None}
    if workers:
        checks["worker"] = "up" if "up" in workers else "down"
        ready = ready and checks["worker"] == "up"
    outbox = next((a["outbox"] for _, a in results if isinstance(a.get("outbox"), dict)), None)
    return ready, checks, outbox
