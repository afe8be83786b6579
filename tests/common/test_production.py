"""A production start: no demo data, no documented secret, no insecure default (issue 23)."""

from __future__ import annotations

import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select

from gateway.app import create_gateway_app
from govhub import supervisor
from govhub.demo import load_all_demo
from services.common.db import build_engine, build_sessionmaker
from services.common.production import InsecureSettingsError, insecure_settings
from services.directory.app import create_app as create_directory
from services.directory.bootstrap import run_bootstrap
from services.directory.demo import data as demo_data
from services.directory.models import ApiClient, User

STRONG = "Qasr-Almasmak-1865!"


def production(settings, **overrides):
    return settings.model_copy(
        update={"environment": "production", "admin_password": STRONG, **overrides}
    )


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"admin_password": "Govhub-Demo-2026"}, "GOVHUB_ADMIN_PASSWORD"),
        ({"admin_password": "Nakheel-2026-Ahsa"}, "GOVHUB_ADMIN_PASSWORD"),
        ({"admin_password": "Another-Demo-2027", "demo_password": "Another-Demo-2027"}, "demo"),
        ({"cors_origins": ["*"]}, "GOVHUB_CORS_ORIGINS"),
        ({"cors_origins": ["http://console.example.sa"]}, "https://"),
        ({"trusted_proxies": ["0.0.0.0/0"]}, "GOVHUB_TRUSTED_PROXIES"),
        ({"trusted_proxies": ["::/0"]}, "GOVHUB_TRUSTED_PROXIES"),
        ({"jwt_private_key": "secret"}, "GOVHUB_JWT_PRIVATE_KEY"),
    ],
)
def test_production_refuses_insecure_settings(settings, overrides, reason):
    problems = insecure_settings(production(settings, **overrides))
    assert len(problems) == 1 and reason in problems[0], problems
    # the same settings are fine for a developer
    assert insecure_settings(settings.model_copy(update=overrides)) == []


def test_production_accepts_what_an_operator_sets(settings):
    assert (
        insecure_settings(
            production(
                settings,
                cors_origins=["https://console.example.sa"],
                trusted_proxies=["10.0.0.5", "10.1.0.0/16"],
            )
        )
        == []
    )


def test_trusted_proxies_are_addresses_or_networks(settings):
    with pytest.raises(ValueError, match="not an IP"):
        type(settings)(trusted_proxies=["proxy.example.sa"])


def test_govhub_run_refuses_before_starting_anything(settings, capsys):
    assert supervisor.run(production(settings, admin_password="Govhub-Demo-2026")) == 2
    out = capsys.readouterr().out
    assert "refuses to start" in out and "GOVHUB_ADMIN_PASSWORD" in out


async def test_every_process_refuses_in_its_lifespan(settings, capsys):
    bad = production(settings, cors_origins=["*"])
    for app in (create_directory(bad), create_gateway_app(bad)):
        with pytest.raises(InsecureSettingsError):
            async with LifespanManager(app):
                pass
    logged = capsys.readouterr().err  # each process configures its own log handler
    assert "directory refuses to start in production: GOVHUB_CORS_ORIGINS" in logged
    assert "gateway refuses to start in production: GOVHUB_CORS_ORIGINS" in logged


async def _count(database_url, settings, model, **where):
    engine = build_engine(database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session:
            stmt = select(func.count()).select_from(model).filter_by(**where)
            return int(await session.scalar(stmt) or 0)
    finally:
        await engine.dispose()


async def test_production_bootstrap_never_loads_the_demo(database_url, settings, tmp_path):
    prod = production(settings, data_dir=tmp_path)
    assert await run_bootstrap(database_url, prod, demo=True) is None
    assert await load_all_demo(database_url, prod) == {}
    assert await _count(database_url, settings, User) == 1  # the admin only
    assert await _count(database_url, settings, ApiClient) == 0


async def test_production_refuses_a_database_with_enabled_demo_accounts(
    database_url, settings, tmp_path
):
    dev = settings.model_copy(update={"data_dir": tmp_path})
    await run_bootstrap(database_url, dev, demo=True)
    assert await _count(database_url, settings, User, username="sector.admin") == 1
    with pytest.raises(RuntimeError, match="demo accounts") as refused:
        await run_bootstrap(database_url, production(settings, data_dir=tmp_path), demo=False)
    assert "sector.admin" in str(refused.value)
    assert demo_data.DEMO_CLIENT_ID in str(refused.value)
