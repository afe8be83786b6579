"""The gateway's own operations: liveness and the aggregated readiness of the hub."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Literal

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
                    },
                }
            ]
        }
    )

    status: Literal["ready"]
    checks: dict[str, CheckState] = Field(
        description="Each service and the database: `up`, `down`, or `unknown` when no "
        "service could tell."
    )


router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness of the gateway", response_model=Liveness)
async def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: every service and the database answer",
    description="Asks each service's own readiness probe at once (2 s each). 503 problem "
    "details name what is down in `checks`.",
    response_model=Readiness,
    responses=problems(503),
)
async def readyz(request: Request) -> Response:
    gateway = request.app.state.gateway
    ready, checks = await probe_services(gateway.proxy.client, gateway.routes.services)
    if ready:
        return JSONResponse({"status": "ready", "checks": checks})
    down = ", ".join(name for name, state in checks.items() if state != "up")
    body = problem_body(
        503,
        "service_unavailable",
        text(f"غير متاح: {down}", f"Not available: {down}"),
        checks=checks,
    )
    return problem_response(body, 503)


async def probe_services(
    client: httpx.AsyncClient | None,
    services: Mapping[str, str],
    probe_timeout: float = READINESS_TIMEOUT_SECONDS,
) -> tuple[bool, dict[str, str]]:
    """(all ready?, checks): each service's state and the database's, from their /readyz."""
    request_id = request_id_var.get()
    headers = {"x-request-id": request_id} if request_id else None

    async def probe(base_url: str) -> tuple[str, str | None]:
        if client is None:
            return "down", None
        try:
            response = await client.get(
                base_url + "/readyz", timeout=probe_timeout, headers=headers
            )
        except httpx.HTTPError:
            return "down", None
        database: str | None = None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and isinstance(answer.get("checks"), dict):
            state = answer["checks"].get("database")
            database = state if state in ("up", "down") else None
        return ("up" if response.status_code == 200 else "down"), database

    names = list(services)
    results = await asyncio.gather(*(probe(services[name]) for name in names))
    checks: dict[str, str] = {name: state for name, (state, _) in zip(names, results, strict=True)}
    databases = {database for _, database in results if database is not None}
    checks["database"] = "down" if "down" in databases else ("up" if databases else "unknown")
    ready = all(state == "up" for state in checks.values())
    return ready, checks
