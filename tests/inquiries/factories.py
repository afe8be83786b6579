"""Test data for the inquiries service without the directory API: tokens signed with the
kernel key, organizations, channels, holidays and staff inserted with SQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg
import jwt

from services.common.embedded import to_plain_url
from services.common.keys import load_signing_key
from services.common.orgtree import path_of
from services.common.settings import GovhubSettings


def mint_token(
    settings: GovhubSettings,
    *,
    sub: str | None = None,
    org: uuid.UUID | str | None = None,
    roles: Sequence[str] = (),
    scope: str = "",
    kind: str = "user",
    ttl: int = 900,
) -> str:
    """An access token as the directory would sign it (EdDSA, kernel key)."""
    key = load_signing_key(settings)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": sub or str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "roles": list(roles),
        "scope": scope,
        "typ_principal": kind,
    }
    if org is not None:
        claims["org"] = str(org)
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Directory:
    """Inserts directory rows on the test database (the directory's tables, read-only to
    the inquiries service)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.paths: dict[uuid.UUID, list[uuid.UUID]] = {}

    @classmethod
    async def connect(cls, settings: GovhubSettings) -> Directory:
        assert settings.database_url
        return cls(await asyncpg.connect(to_plain_url(settings.database_url)))

    async def close(self) -> None:
        await self.conn.close()

    async def organization(
        self,
        code: str,
        name_ar: str,
        *,
        parent: uuid.UUID | None = None,
        kind: str = "municipality",
        timezone: str | None = None,
        weekend: list[int] | None = None,
        work_start: Any = None,
        work_end: Any = None,
    ) -> uuid.UUID:
        org_id = uuid.uuid4()
        ancestors = self.paths[parent] if parent else []
        self.paths[org_id] = [*ancestors, org_id]
        await self.conn.execute(
            "INSERT INTO directory_organization (id, parent_id, path, kind, code, name_ar, "
            "name_en, timezone, weekend, work_start, work_end) "
            "VALUES ($1, $2, $3::ltree, $4, $5, $6, $7, $8, $9, $10, $11)",
            org_id,
            parent,
            path_of(self.paths[org_id]),
            kind,
            code,
            name_ar,
            code.title(),
            timezone,
            weekend,
            work_start,
            work_end,
        )
        return org_id

    async def channel(
        self, org_id: uuid.UUID, kind: str, *, intake: bool = True, active: bool = True
    ) -> uuid.UUID:
        channel_id = uuid.uuid4()
        await self.conn.execute(
            "INSERT INTO directory_channel (id, organization_id, kind, name_ar, intake, active) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            channel_id,
            org_id,
            kind,
            f"قناة {kind}",
            intake,
            active,
        )
        return channel_id

    async def holiday(self, org_id: uuid.UUID, day: date, name_ar: str = "إجازة") -> None:
        await self.conn.execute(
            "INSERT INTO directory_holiday (id, organization_id, date, name_ar) "
            "VALUES ($1, $2, $3, $4)",
            uuid.uuid4(),
            org_id,
            day,
            name_ar,
        )

    async def user(
        self, org_id: uuid.UUID, username: str, roles: Sequence[str], *, active: bool = True
    ) -> uuid.UUID:
        user_id = uuid.uuid4()
        await self.conn.execute(
            "INSERT INTO directory_user (id, username, full_name_ar, organization_id, roles, "
            "password_hash, active) VALUES ($1, $2, $3, $4, $5, 'x', $6)",
            user_id,
            username,
            f"الموظف {username}",
            org_id,
            list(roles),
            active,
        )
        return user_id


@dataclass
class World:
    """A small hub, Asia/Riyadh, Sunday–Thursday 08:00–16:00 (the defaults):

    M ministry (channels: website, app, email)
    ├── R region  ← "own" for the matrix (channels: whatsapp, phone)
    │   └── A municipality  ← "child" (channel: majlis)
    └── S region  ← "sibling" (channel: whatsapp)
    """

    settings: GovhubSettings
    directory: Directory
    orgs: dict[str, uuid.UUID] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    channels: dict[str, uuid.UUID] = field(default_factory=dict)

    def token(self, name: str) -> str:
        """Tokens of named principals: `<role>@<org>`, `client@<org>[:scopes]`, `admin`."""
        if name == "admin":
            return mint_token(self.settings, sub=str(uuid.uuid4()), roles=["sector_admin"])
        who, _, where = name.partition("@")
        if who == "client":
            org, _, scopes = where.partition(":")
            return mint_token(
                self.settings,
                sub=f"client-{org}",
                org=self.orgs[org],
                scope=scopes.replace(",", " "),
                kind="client",
            )
        user_id = self.users.get(name) or uuid.uuid4()
        return mint_token(self.settings, sub=str(user_id), org=self.orgs[where], roles=[who])

    def auth(self, name: str | None) -> dict[str, str]:
        return bearer(self.token(name)) if name else {}


async def build_world(settings: GovhubSettings) -> World:
    directory = await Directory.connect(settings)
    world = World(settings, directory)
    orgs = world.orgs
    orgs["M"] = await directory.organization("moma", "وزارة البلديات", kind="ministry")
    orgs["R"] = await directory.organization(
        "riyadh", "أمانة منطقة الرياض", parent=orgs["M"], kind="region"
    )
    orgs["A"] = await directory.organization("olaya", "بلدية العليا", parent=orgs["R"])
    orgs["S"] = await directory.organization(
        "eastern", "أمانة المنطقة الشرقية", parent=orgs["M"], kind="region"
    )
    for org, kinds in (
        ("M", ["website", "app", "email"]),
        ("R", ["whatsapp", "phone"]),
        ("A", ["majlis"]),
        ("S", ["whatsapp"]),
    ):
        for kind in kinds:
            world.channels[f"{kind}@{org}"] = await directory.channel(orgs[org], kind)
    for name in (
        "agent@R",
        "coordinator@R",
        "org_admin@R",
        "agent@A",
        "coordinator@A",
        "agent@S",
        "coordinator@S",
        "org_admin@M",
        "coordinator@M",
    ):
        role, _, org = name.partition("@")
        world.users[name] = await directory.user(orgs[org], name.replace("@", "-"), [role])
    return world
