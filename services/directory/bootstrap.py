"""First start: the `admin` sector_admin and the root organization; with `demo`, the demo data
(loaded by `demo/loader.py`).

Entry points (the CLI and `make run` call them):

* `ensure_admin(session, settings)` — when the tree is empty, a root organization `GOVHUB`;
  when there is no `admin` user, creates it (sector_admin) with `GOVHUB_ADMIN_PASSWORD`, or,
  unset in development/test, a random password written to `<data_dir>/admin-password.txt`
  (0600) and returned so the caller prints it once. Unset in production: RuntimeError.
  An existing `admin` is left alone (its password is never reset here).
* `load_demo(session, settings)` (`demo/loader.py`) — idempotent, keyed on organization
  codes, usernames, (organization, kind, name) of channels, (organization, date) of
  holidays and client ids.
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
from services.directory.demo.loader import demo_accounts_enabled, load_demo
from services.directory.domain.passwords import check_configured, password_problem
from services.directory.models import Organization
from services.directory.repository import organizations as org_repo
from services.directory.repository import users as user_repo
from services.directory.schemas.organizations import OrganizationCreate
from services.directory.schemas.users import UserCreate
from services.directory.service import organizations as org_service
from services.directory.service import users as user_service
from services.directory.service.common import SYSTEM
from services.directory.service.passwords import Passwords

logger = logging.getLogger("govhub.bootstrap")
ADMIN_USERNAME = "admin"
ROOT_CODE = "GOVHUB"
ADMIN_PASSWORD_FILE = "admin-password.txt"  # noqa: S105 (a file name)


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
        check_configured(password, "GOVHUB_ADMIN_PASSWORD")
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
