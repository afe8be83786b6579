"""The baseline: bare Starlette + an asyncpg pool running the same SQL as the scenarios."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.inquiries.repository.inquiries import VIEW_IN_SUBTREE


def _json(data: object, status: int = 200) -> Response:
    return Response(
        json.dumps(data, default=str, ensure_ascii=False), status, media_type="application/json"
    )


async def select_one(request: Request) -> Response:
    """`SELECT 1` on the pool, answered as JSON: the floor of any request of the stack
    (HTTP, one round trip to the database), the baseline of the latency-bound scenarios."""
    async with request.app.state.pool.acquire() as conn:
        value = await conn.fetchval("SELECT 1")
    return _json({"value": value})


async def organization(request: Request) -> Response:
    org_id = uuid.UUID(request.path_params["org_id"])
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM directory_organization WHERE id = $1", org_id)
    if row is None:
        return _json({"detail": "not found"}, 404)
    return _json(dict(row))


# The SQL the inquiries service runs for GET /v1/inquiries/{id}: one statement, the row and
# the visibility check of the caller's organization together, outside a transaction (as
# the service's reads run). The bench token is an org_admin of the bench ministry, so the
# check is the subtree EXISTS, not the sector admin's shortcut.
INQUIRY_SQL = VIEW_IN_SUBTREE.sql
BENCH_MINISTRY = uuid.UUID("00000000-0000-4000-8000-00000000b001")  # bench/seed.py org_id(0)


async def inquiry(request: Request) -> Response:
    inquiry_id = uuid.UUID(request.path_params["inquiry_id"])
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(INQUIRY_SQL, inquiry_id, BENCH_MINISTRY)
    if row is None:
        return _json({"detail": "not found"}, 404)
    return _json(dict(row))


# The bare single INSERT the intake is measured against: the same inquiry row (the body's
# fields, a reference, a token hash, the SLA columns with fixed targets) into the same
# table with its indexes, one statement, no routing, history, audit, outbox or job.
INSERT_INQUIRY_SQL = """
INSERT INTO inquiry (
    id, reference, organization_id, category_id, kind, channel, status, priority,
    subject, body, contact_name, contact_phone, location_lat, location_long,
    location_address, created_by_type, tracking_token_hash,
    first_response_target_minutes, resolution_target_minutes, sla_started_at,
    first_response_due, resolution_due, sla_due_at, sla_risk_at, sla_alarm_at)
VALUES ($1, 'BARE-' || nextval('bench_bare_reference'), $2, $3, $4, $5, 'new', $6,
        $7, $8, $9, $10, $11, $12, $13, 'staff', $14,
        480, 2400, now(), now() + interval '8 hours', now() + interval '40 hours',
        now() + interval '8 hours', now() + interval '6 hours 24 minutes',
        now() + interval '6 hours 24 minutes')
RETURNING reference"""


async def insert_inquiry(request: Request) -> Response:
    body = await request.json()
    contact, location = body.get("contact") or {}, body.get("location") or {}
    token = secrets.token_urlsafe(24)
    async with request.app.state.pool.acquire() as conn:
        reference = await conn.fetchval(
            INSERT_INQUIRY_SQL,
            uuid.uuid4(),
            uuid.UUID(body["organization_id"]),
            uuid.UUID(body["category_id"]),
            body["kind"],
            body["channel"],
            body.get("priority", "normal"),
            body["subject"],
            body["body"],
            contact.get("name"),
            contact.get("phone"),
            location.get("lat"),
            location.get("long"),
            location.get("address"),
            hashlib.sha256(token.encode()).hexdigest(),
        )
    return _json({"reference": reference, "tracking_token": token}, 201)


async def insert_note(request: Request) -> Response:
    """A row of a key-only table: the floor of any write, shown for reference."""
    body = await request.json()
    async with request.app.state.pool.acquire() as conn:
        new_id = await conn.fetchval(
            "INSERT INTO bench_bare_insert (id, payload) VALUES ($1, $2) RETURNING id",
            uuid.uuid4(),
            json.dumps(body, ensure_ascii=False),
        )
    return _json({"id": str(new_id)}, 201)


def create_app() -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            os.environ["BENCH_DATABASE_URL"], min_size=5, max_size=10
        )
        yield
        await app.state.pool.close()

    return Starlette(
        routes=[
            Route("/select1", select_one),
            Route("/organizations/{org_id}", organization),
            Route("/inquiries/{inquiry_id}", inquiry),
            Route("/inquiries", insert_inquiry, methods=["POST"]),
            Route("/insert", insert_note, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
