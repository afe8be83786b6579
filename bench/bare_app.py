"""The baseline: bare Starlette + an asyncpg pool running the same SQL as the scenarios."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _json(data: object, status: int = 200) -> Response:
    return Response(
        json.dumps(data, default=str, ensure_ascii=False), status, media_type="application/json"
    )


async def organization(request: Request) -> Response:
    org_id = uuid.UUID(request.path_params["org_id"])
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM directory_organization WHERE id = $1", org_id)
    if row is None:
        return _json({"detail": "not found"}, 404)
    return _json(dict(row))


# The SQL the inquiries service runs for GET /v1/inquiries/{id} (as SQLAlchemy compiles it),
# in a transaction rolled back at the end as its read requests are: the row, then the
# visibility check of the caller's organization (the bench token is an org_admin of the
# bench ministry, so the check is the subtree query, not the sector admin's shortcut).
INQUIRY_COLUMNS = (
    "id, reference, organization_id, category_id, kind, channel, channel_id, status, "
    "priority, subject, body, search_text, contact_name, contact_phone, contact_email, "
    "location_lat, location_long, location_address, outlet, deadline, assignee_id, "
    "assigned_at, created_by, created_by_type, tracking_token_hash, resolution, resolved_at, "
    "closed_at, rejection_reason, duplicate_of, transfer_count, source, external_id, "
    "survey_invited_at, sla_policy_id, first_response_target_minutes, "
    "resolution_target_minutes, sla_started_at, paused_at, paused_minutes, "
    "first_response_due, resolution_due, first_response_at, first_response_business_minutes, "
    "resolution_business_minutes, sla_due_at, sla_risk_at, sla_alarm_at, sla_breached, "
    "first_response_breach_notified, resolution_breach_notified, created_at, updated_at"
)
INQUIRY_SQL = (
    "SELECT "
    + ", ".join(f"inquiry.{c}" for c in INQUIRY_COLUMNS.split(", "))
    + " \nFROM inquiry \nWHERE inquiry.id = $1::UUID"
)
VISIBLE_SQL = (
    "SELECT directory_organization.id \nFROM directory_organization \n"
    "WHERE directory_organization.id = $1::UUID AND (directory_organization.path <@ "
    "(SELECT directory_organization.path \nFROM directory_organization \n"
    "WHERE directory_organization.id = $2::UUID))"
)
BENCH_MINISTRY = uuid.UUID("00000000-0000-4000-8000-00000000b001")  # bench/seed.py org_id(0)


async def inquiry(request: Request) -> Response:
    inquiry_id = uuid.UUID(request.path_params["inquiry_id"])
    async with request.app.state.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            row = await conn.fetchrow(INQUIRY_SQL, inquiry_id)
            visible = row is not None and (
                await conn.fetchval(VISIBLE_SQL, row["organization_id"], BENCH_MINISTRY) is not None
            )
        finally:
            await transaction.rollback()
    if row is None or not visible:
        return _json({"detail": "not found"}, 404)
    return _json(dict(row))


async def insert_note(request: Request) -> Response:
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
            Route("/organizations/{org_id}", organization),
            Route("/inquiries/{inquiry_id}", inquiry),
            Route("/insert", insert_note, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
