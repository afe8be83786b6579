"""`common.db.Prepared`: a Core statement compiled once and run on the driver."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import bindparam, select

from services.common.db import Prepared, build_engine, build_read_pool
from services.common.orgtree import organization

BY_ID = Prepared(
    select(organization.c.id, organization.c.code)
    .where(organization.c.id == bindparam("org"))
    .limit(1)  # a value built into the statement: passed without being named
)


async def test_one_row_as_attributes_none_when_absent_and_every_parameter_required(settings):
    engine = build_engine(settings.database_url or "", settings)
    try:
        connection = await engine.raw_connection()
        driver = connection.driver_connection
        assert driver is not None
        org_id = uuid.uuid4()
        await driver.execute(
            "INSERT INTO directory_organization (id, path, kind, code, name_ar) "
            "VALUES ($1, $2::ltree, 'ministry', 'PREP', 'وزارة')",
            org_id,
            org_id.hex,
        )
        connection.close()
        pool = await build_read_pool(engine, settings)
        try:
            row = await BY_ID.one(pool, org=org_id)
            assert row is not None and (row.id, row.code) == (org_id, "PREP")
            assert await BY_ID.one(pool, org=uuid.uuid4()) is None
            with pytest.raises(KeyError):
                await BY_ID.one(pool)  # `org` has no value of its own
            assert pool.get_idle_size() == pool.get_size() == 1  # back in the pool
            # the read pool's connections are set up as the engine's
            async with pool.acquire() as driver:
                assert await driver.fetchval("SHOW timezone") == "UTC"
                assert await driver.fetchval("SHOW application_name") == "govhub"
                assert not driver.is_in_transaction()
        finally:
            await pool.close()
    finally:
        await engine.dispose()
