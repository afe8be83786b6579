"""Loading the directory's demo data (`data.py`): organizations, staff, channels, holidays
and the demo client, through the service layer; idempotent (keyed on organization codes,
usernames, (organization, kind, name) of channels, (organization, date) of holidays and
client ids). Called by `bootstrap.run_bootstrap`, never in production."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.settings import GovhubSettings
from services.directory.demo import data as demo_data
from services.directory.domain.passwords import check_configured
from services.directory.models import Organization
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
from services.directory.service.passwords import Passwords, derived_secret


def demo_client_secret(settings: GovhubSettings) -> str:
    """The demo client's secret: derived from `GOVHUB_DEMO_PASSWORD`, so docs can show it."""
    return derived_secret(settings.demo_password, demo_data.DEMO_CLIENT_ID)


async def load_demo(session: AsyncSession, settings: GovhubSettings) -> bool:
    """The demo organizations, staff, channels, holidays and client; True if anything new."""
    check_configured(settings.demo_password, "GOVHUB_DEMO_PASSWORD")
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
