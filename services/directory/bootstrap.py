"""First start and demo data: the `admin` sector_admin, and the demo organizations.

Entry points (the CLI and `make run` call them):

* `ensure_admin(session, settings)` — when the tree is empty, a root organization `GOVHUB`;
  when there is no `admin` user, creates it (sector_admin) with `GOVHUB_ADMIN_PASSWORD`, or,
  unset in development/test, a random password written to `<data_dir>/admin-password.txt`
  (0600) and returned so the caller prints it once. Unset in production: RuntimeError.
  An existing `admin` is left alone (its password is never reset here).
* `load_demo(session, settings)` — idempotent, keyed on organization codes, usernames,
  (organization, kind, name) of channels, (organization, date) of holidays and client ids.
* `run_bootstrap(database_url, settings, demo=...)` — both, in one transaction of its own.

Everything goes through the same service functions as the API (so the same validation and
audit entries), acting as the `system` principal.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import build_engine, build_sessionmaker, session_scope
from services.common.production import is_production
from services.common.settings import GovhubSettings
from services.directory import demo_data
from services.directory.models import Organization
from services.directory.passwords import Passwords, derived_secret, password_problem
from services.directory.repository import api_clients as client_repo
from services.directory.repository import channels as channel_repo
from services.directory.repository import organizations as org_repo
from services.directory.repository import users as user_repo
from services.directory.schemas.api_clients import ApiClientCreate
from services.directory.schemas.channels import ChannelCreate
from services.directory.schemas.organizations import HolidayCreate, OrganizationCreate
from services.directory.schemas.users import UserCreate
from services.directory.service import api_clients as client_service
from services.directory.service import channels as channel_service
from services.directory.service import organizations as org_service
from services.directory.service import users as user_service
from services.directory.service.common import SYSTEM

logger = logging.getLogger("govhub.bootstrap")
ADMIN_USERNAME = "admin"
ROOT_CODE = "GOVHUB"
ADMIN_PASSWORD_FILE = "admin-password.txt"  # noqa: S105 (a file name)


def demo_client_secret(settings: GovhubSettings) -> str:
    """The demo client's secret: derived from `GOVHUB_DEMO_PASSWORD`, so docs can show it."""
    return derived_secret(settings.demo_password, demo_data.DEMO_CLIENT_ID)


def _generate_password() -> str:
    while True:
        candidate = secrets.token_urlsafe(18)
        if password_problem(candidate, ADMIN_USERNAME) is None:
            return candidate


def _write_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content + "\n")
    os.chmod(path, 0o600)  # an older file may have had looser bits


def _check_configured(password: str, setting: str) -> None:
    problem = password_problem(password, None)
    if problem is not None:
        raise RuntimeError(f"{setting} is too weak: {problem[1]}")


async def _admin_home(session: AsyncSession) -> Organization:
    existing = await org_repo.get_by_code(session, ROOT_CODE)
    if existing is not None:
        return existing
    if await org_repo.count(session) == 0:
        return await org_service.create(
            session,
            SYSTEM,
            OrganizationCreate(
                kind="ministry",
                code=ROOT_CODE,
                name_ar="منصة الاتصال الحكومي الموحد (govhub)",
                name_en="govhub",
            ),
        )
    root = await org_repo.first_root(session)
    assert root is not None  # a non-empty tree has a root
    return root


async def ensure_admin(session: AsyncSession, settings: GovhubSettings) -> str | None:
    """Creates the `admin` sector_admin if missing; returns a generated password, if any."""
    if await user_repo.get_by_username(session, ADMIN_USERNAME) is not None:
        return None
    generated = None
    password = settings.admin_password
    if password:
        _check_configured(password, "GOVHUB_ADMIN_PASSWORD")
    elif settings.environment in ("development", "test"):
        password = generated = _generate_password()
    else:
        raise RuntimeError(
            "GOVHUB_ADMIN_PASSWORD is not set: outside development the bootstrap `admin` "
            "needs a password. Set GOVHUB_ADMIN_PASSWORD and start again."
        )
    home = await _admin_home(session)
    await user_service.create(
        session,
        SYSTEM,
        Passwords(settings),
        UserCreate(
            username=ADMIN_USERNAME,
            full_name_ar="مدير المنصة",
            full_name_en="Platform administrator",
            organization_id=home.id,
            roles=["sector_admin"],
            password=password,
        ),
    )
    if generated is not None:
        _write_private(settings.resolved_data_dir / ADMIN_PASSWORD_FILE, generated)
    return generated


async def load_demo(session: AsyncSession, settings: GovhubSettings) -> bool:
    """The demo organizations, staff, channels, holidays and client; True if anything new."""
    _check_configured(settings.demo_password, "GOVHUB_DEMO_PASSWORD")
    created = False
    orgs: dict[str, Organization] = {}
    for spec in demo_data.ORGANIZATIONS:
        org = await org_repo.get_by_code(session, spec.code)
        if org is None:
            org = await org_service.create(
                session,
                SYSTEM,
                OrganizationCreate(
                    kind=spec.kind,
                    code=spec.code,
                    name_ar=spec.name_ar,
                    name_en=spec.name_en,
                    parent_id=orgs[spec.parent].id if spec.parent else None,
                    timezone=spec.timezone,
                    weekend=list(spec.weekend) if spec.weekend else None,
                    work_start=spec.work_start,
                    work_end=spec.work_end,
                ),
            )
            created = True
        orgs[spec.code] = org

    passwords = Passwords(settings)
    for user in demo_data.USERS:
        if await user_repo.get_by_username(session, user.username) is None:
            await user_service.create(
                session,
                SYSTEM,
                passwords,
                UserCreate(
                    username=user.username,
                    full_name_ar=user.full_name_ar,
                    full_name_en=user.full_name_en,
                    phone=user.phone,
                    email=f"{user.username.replace('_', '-')}@demo.govhub.example",
                    organization_id=orgs[user.organization].id,
                    roles=list(user.roles),
                    password=settings.demo_password,
                ),
            )
            created = True

    for channel in demo_data.CHANNELS:
        org = orgs[channel.organization]
        if await channel_repo.find(session, org.id, channel.kind, channel.name_ar) is None:
            await channel_service.create(
                session,
                SYSTEM,
                ChannelCreate(
                    organization_id=org.id,
                    kind=channel.kind,
                    name_ar=channel.name_ar,
                    name_en=channel.name_en,
                    handle=channel.handle,
                    url=channel.url,
                    intake=channel.intake,
                    publish=channel.publish,
                ),
            )
            created = True

    for holiday in demo_data.HOLIDAYS:
        org = orgs[holiday.organization]
        if not await org_repo.holiday_exists(session, org.id, holiday.day):
            await org_service.create_holiday(
                session,
                SYSTEM,
                org,
                HolidayCreate(date=holiday.day, name_ar=holiday.name_ar, name_en=holiday.name_en),
            )
            created = True

    for client in demo_data.CLIENTS:
        if await client_repo.get_by_client_id(session, client.client_id) is None:
            await client_service.create(
                session,
                SYSTEM,
                ApiClientCreate(
                    name=client.name,
                    organization_id=orgs[client.organization].id,
                    scopes=list(client.scopes),
                ),
                client_id=client.client_id,
                secret=demo_client_secret(settings),
            )
            created = True
    return created


async def demo_accounts_enabled(session: AsyncSession) -> list[str]:
    """The demo staff and the demo client that exist and are not disabled: their passwords
    and secret are published, so a production start refuses while any of them can sign in."""
    found = []
    for spec in demo_data.USERS:
        user = await user_repo.get_by_username(session, spec.username)
        if user is not None and user.active:
            found.append(spec.username)
    for client_spec in demo_data.CLIENTS:
        client = await client_repo.get_by_client_id(session, client_spec.client_id)
        if client is not None and client.active:
            found.append(client_spec.client_id)
    return found


async def run_bootstrap(database_url: str, settings: GovhubSettings, *, demo: bool) -> str | None:
    """Admin (and demo data) in one transaction; returns the generated admin password.

    In production the demo data is never loaded, whatever `demo` asks, and a database that
    still holds enabled demo accounts (loaded by an earlier development start) refuses."""
    engine = build_engine(database_url, settings)
    try:
        async with session_scope(build_sessionmaker(engine)) as session:
            if is_production(settings):
                enabled = await demo_accounts_enabled(session)
                if enabled:
                    raise RuntimeError(
                        "this database holds demo accounts whose passwords are published "
                        f"({', '.join(enabled)}): disable them (PATCH active=false) or start "
                        "from a database without the demo data"
                    )
                if demo:
                    logger.warning("demo data not loaded: GOVHUB_ENVIRONMENT=production")
                demo = False
            password = await ensure_admin(session, settings)
            if demo:
                await load_demo(session, settings)
        return password
    finally:
        await engine.dispose()
