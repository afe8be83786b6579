"""The first start (the `admin`) and the demo data: idempotent, and usable right away."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import func, select

from services.common.db import build_engine, build_sessionmaker, session_scope
from services.common.models import AuditEntry
from services.directory.bootstrap import ADMIN_PASSWORD_FILE, ensure_admin, run_bootstrap
from services.directory.demo import data as demo_data
from services.directory.demo.loader import demo_client_secret, load_demo
from services.directory.models import ApiClient, Channel, Holiday, Organization, User
from tests.directory.conftest import client_token, password_token

TABLES = (Organization, User, Channel, Holiday, ApiClient, AuditEntry)


@pytest.fixture
async def sessionmaker(database_url, settings):
    engine = build_engine(database_url, settings)
    yield build_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def bootstrap_settings(settings, tmp_path):
    return settings.model_copy(update={"data_dir": tmp_path})


async def _counts(sessionmaker) -> dict[str, int]:
    async with sessionmaker() as session:
        return {
            t.__tablename__: int(await session.scalar(select(func.count()).select_from(t)) or 0)
            for t in TABLES
        }


async def test_ensure_admin_generates_a_password_once(sessionmaker, bootstrap_settings):
    async with session_scope(sessionmaker) as session:
        password = await ensure_admin(session, bootstrap_settings)
    assert password
    path = bootstrap_settings.resolved_data_dir / ADMIN_PASSWORD_FILE
    assert path.read_text().strip() == password
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    counts = await _counts(sessionmaker)
    assert counts["directory_organization"] == 1 and counts["directory_user"] == 1
    async with sessionmaker() as session:
        root = await session.scalar(select(Organization))
        admin = await session.scalar(select(User))
    assert root.code == "GOVHUB" and root.parent_id is None
    assert admin.username == "admin" and admin.roles == ["sector_admin"]
    assert admin.organization_id == root.id and admin.password_hash.startswith("$argon2id$")
    async with session_scope(sessionmaker) as session:
        assert await ensure_admin(session, bootstrap_settings) is None
    assert await _counts(sessionmaker) == counts


async def test_ensure_admin_uses_the_configured_password(make_client, bootstrap_settings):
    from services.directory.app import create_app

    configured = bootstrap_settings.model_copy(update={"admin_password": "Configured-Pass-1"})
    assert await run_bootstrap(configured.database_url, configured, demo=False) is None
    assert not (configured.resolved_data_dir / ADMIN_PASSWORD_FILE).exists()
    http = await make_client(create_app)
    assert await password_token(http, "admin", "Configured-Pass-1")


async def test_production_refuses_to_start_without_a_password(sessionmaker, settings):
    production = settings.model_copy(update={"environment": "production"})
    with pytest.raises(RuntimeError, match="GOVHUB_ADMIN_PASSWORD"):
        async with session_scope(sessionmaker) as session:
            await ensure_admin(session, production)
    weak = production.model_copy(update={"admin_password": "admin"})
    with pytest.raises(RuntimeError, match="too weak"):
        async with session_scope(sessionmaker) as session:
            await ensure_admin(session, weak)
    assert (await _counts(sessionmaker))["directory_user"] == 0


async def test_demo_is_idempotent_and_complete(sessionmaker, bootstrap_settings):
    async with session_scope(sessionmaker) as session:
        await ensure_admin(session, bootstrap_settings)
        assert await load_demo(session, bootstrap_settings) is True
    counts = await _counts(sessionmaker)
    async with session_scope(sessionmaker) as session:
        assert await ensure_admin(session, bootstrap_settings) is None
        assert await load_demo(session, bootstrap_settings) is False
    assert await _counts(sessionmaker) == counts
    assert counts["directory_organization"] == len(demo_data.ORGANIZATIONS) + 1
    assert counts["directory_user"] == len(demo_data.USERS) + 1
    assert counts["directory_channel"] == len(demo_data.CHANNELS)
    async with sessionmaker() as session:
        roles = set().union(*(await session.scalars(select(User.roles))))
        kinds = set(await session.scalars(select(Organization.kind)))
        capital = await session.scalar(
            select(Organization).where(Organization.code == "BH-CAPITAL")
        )
        capital_channels = await session.scalar(
            select(func.count()).select_from(Channel).where(Channel.organization_id == capital.id)
        )
        iraq = await session.scalar(select(Organization).where(Organization.code == "IQ-MOCHPM"))
    assert roles == {
        "agent",
        "coordinator",
        "spokesperson",
        "unit_head",
        "org_admin",
        "sector_admin",
    }
    assert kinds == {"ministry", "region", "municipality", "governorate", "unit"}
    assert capital.timezone == "Asia/Bahrain" and capital.weekend == [4, 5]
    assert capital_channels >= 20
    assert iraq.timezone == "Asia/Baghdad"


async def test_demo_staff_and_client_can_sign_in(make_client, bootstrap_settings):
    from services.directory.app import create_app

    await run_bootstrap(bootstrap_settings.database_url, bootstrap_settings, demo=True)
    http = await make_client(create_app)
    token = await password_token(http, "riyadh.agent", bootstrap_settings.demo_password)
    orgs = await http.get("/v1/organizations", headers={"Authorization": f"Bearer {token}"})
    assert {o["code"] for o in orgs.json()["items"]} == {"RIYADH-MEDIA"}
    assert await password_token(http, "eastern.unit_head", bootstrap_settings.demo_password)
    secret = demo_client_secret(bootstrap_settings)
    assert len(secret) == 64
    machine = await client_token(http, demo_data.DEMO_CLIENT_ID, secret)
    listed = await http.get(
        "/v1/organizations?q=الرياض", headers={"Authorization": f"Bearer {machine}"}
    )
    assert listed.status_code == 200 and listed.json()["items"]
