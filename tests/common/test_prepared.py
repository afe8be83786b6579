"""`common.db.Prepared`: a Core statement compiled once and run on the driver."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import bindparam, select

from services.common.db import Prepared, build_engine
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
        org_id = uuid.uuid4()
        await driver.execute(
            "INSERT INTO directory_organization (id, path, kind, code, name_ar) "
            "VALUES ($1, $2::ltree, 'ministry', 'PREP', 'وزارة')",
            org_id,
            org_id.hex,
        )
        connection.close()
        row = await BY_ID.one(engine, org=org_id)
        assert row is not None and (row.id, row.code) == (org_id, "PREP")
        assert await BY_ID.one(engine, org=uuid.uuid4()) is None
        with pytest.raises(KeyError):
            await BY_ID.one(engine)  # `org` has no value of its own
        assert engine.pool.checkedout() == 0  # every connection went back to the pool
    finally:
        await engine.dispose()
