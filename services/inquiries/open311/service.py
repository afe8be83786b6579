"""Open311 rules on top of the inquiries service layer: which jurisdiction and services a
call means, who may post, and how a service request becomes an inquiry.

- Jurisdiction: an active organization, by `code`. Omitted, it is the only organization
  that owns public services; with several (or none), `jurisdiction_id` is required.
- Services: the public, active categories of the jurisdiction and of the organizations
  above it (categories apply down the tree, as for `/v1/inquiries`); on a code used at
  several levels the nearest one wins.
- Posting: an own service is routed by its category (routing organization, else the
  owner); an inherited one goes to the jurisdiction itself (`organization_id`).
- Requests: inquiries owned by the jurisdiction or an organization below it (after routing
  and transfers), in a public category; media requests never.
- Who posts: `api_key` = `<client_id>:<client_secret>` of an active machine client of an
  active organization, checked against the directory's SHA-256 secret hash, with the
  `inquiries:write` scope; or a bearer token whose holder has `inquiries:write`.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal, optional_principal
from services.common.errors import DomainError
from services.common.i18n import text
from services.common.pagination import PageParams
from services.inquiries import clock
from services.inquiries.models import Category, Inquiry
from services.inquiries.open311 import mapping, media, repository
from services.inquiries.open311.errors import Open311Error
from services.inquiries.open311.repository import Jurisdiction
from services.inquiries.open311.schemas import ServiceRequestIn
from services.inquiries.repository import inquiries as inquiries_repository
from services.inquiries.service.intake import create as intake
from services.inquiries.service.intake.memory import IntakeMemory
from services.inquiries.service.workflow import add_message

WRITE_PERMISSION = "inquiries:write"
SECRET_SCHEME = "sha256$"  # noqa: S105 (the directory's hash prefix, not a secret)
_NO_SECRET = SECRET_SCHEME + "0" * 64
# The intake channel recorded for Open311 requests: the first of these kinds the receiving
# organization (or the nearest ancestor) registers as an active intake channel.
OPEN311_CHANNELS = ("app", "website", "other")


# --- jurisdictions and catalogs --------------------------------------------------------------


async def jurisdiction(session: AsyncSession, code: str | None) -> Jurisdiction:
    if code:
        found = await repository.jurisdiction_by_code(session, code)
        if found is None:
            raise Open311Error(
                404,
                text(
                    f"jurisdiction_id «{code}» غير موجود",
                    f"jurisdiction_id '{code}' was not found",
                ),
            )
        return found
    owners = await repository.service_owners(session, limit=2)
    if len(owners) == 1:
        return owners[0]
    raise Open311Error(
        400,
        text(
            "jurisdiction_id مطلوب: رمز الجهة، مثل RIYADH",
            "jurisdiction_id was not provided: give an organization code, e.g. RIYADH",
        ),
    )


@dataclass(frozen=True)
class Catalog:
    """What a jurisdiction offers: its services by code, and every public category of it
    and its ancestors by id (the parents that give services their `group`)."""

    jurisdiction: Jurisdiction
    by_code: dict[str, Category] = field(default_factory=dict)
    by_id: dict[uuid.UUID, Category] = field(default_factory=dict)

    @property
    def services(self) -> list[Category]:
        return sorted(self.by_code.values(), key=lambda c: c.code)

    def service(self, code: str) -> Category | None:
        return self.by_code.get(code)

    def owns(self, category: Category) -> bool:
        return category.organization_id == self.jurisdiction.id


async def catalog(session: AsyncSession, code: str | None) -> Catalog:
    found = await jurisdiction(session, code)
    chain = await repository.ancestor_ids(session, found.id)
    categories = await repository.public_categories(session, chain)
    level = {org_id: depth for depth, org_id in enumerate(chain)}  # 0: the jurisdiction
    by_code: dict[str, Category] = {}
    for category in sorted(categories, key=lambda c: level[c.organization_id], reverse=True):
        if category.active:
            by_code[category.code] = category  # nearer organizations overwrite
    return Catalog(found, by_code=by_code, by_id={c.id: c for c in categories})


def service_definition(catalog: Catalog, code: str) -> Category:
    category = catalog.service(code)
    if category is None:
        raise Open311Error(
            404, text(f"service_code «{code}» غير موجود", f"service_code '{code}' was not found")
        )
    return category


async def changeset(session: AsyncSession) -> datetime:
    return await repository.catalog_changeset(session) or clock.now()


# --- who posts ---------------------------------------------------------------------------------


def _secret_matches(secret_hash: str | None, secret: str) -> bool:
    """The directory's scheme, compared in constant time (a dummy when there is no client)."""
    candidate = SECRET_SCHEME + hashlib.sha256(secret.encode()).hexdigest()
    expected = secret_hash if secret_hash and secret_hash.startswith(SECRET_SCHEME) else None
    same = hmac.compare_digest(candidate.encode(), (expected or _NO_SECRET).encode())
    return same and expected is not None


def _forbidden(ar: str, en: str) -> Open311Error:
    return Open311Error(403, text(ar, en))


async def authenticate(session: AsyncSession, request: Request, api_key: str | None) -> Principal:
    """The machine client of `api_key`, else the bearer token's holder; 403 otherwise."""
    if api_key:
        client_id, _, secret = api_key.partition(":")
        key = await repository.client_key(session, client_id) if client_id and secret else None
        matches = _secret_matches(key.secret_hash if key else None, secret)
        if key is None or not matches or not key.usable:
            raise _forbidden("api_key غير صالح", "Invalid api_key")
        principal = Principal(
            subject=key.client_id,
            kind="client",
            organization_id=key.organization_id,
            scopes=key.scopes,
            username=key.client_id,
        )
    else:
        try:
            bearer = await optional_principal(request)
        except DomainError as exc:
            raise _forbidden("رمز الدخول غير صالح", "Invalid access token") from exc
        if bearer is None:
            raise _forbidden(
                "api_key مطلوب: <client_id>:<client_secret> لعميل آلي",
                "api_key was not provided: <client_id>:<client_secret> of a machine client",
            )
        principal = bearer
    if not principal.can(WRITE_PERMISSION):
        raise _forbidden(
            "لا يملك هذا العميل النطاق inquiries:write",
            "This client lacks the inquiries:write scope",
        )
    return principal


# --- posting -------------------------------------------------------------------------------


async def _channel_for(
    session: AsyncSession, organization_id: uuid.UUID | None, category: Category
) -> str:
    # without an organization, routing follows the category (service._route does the same)
    receiving = organization_id or category.routing_organization_id or category.organization_id
    for kind in OPEN311_CHANNELS:
        if await inquiries_repository.intake_channel(session, receiving, kind) is not None:
            return kind
    raise Open311Error(
        400,
        text(
            "لا تستقبل الجهة المسؤولة بلاغات Open311: لا توجد لديها قناة استقبال نشطة "
            "(app أو website أو other)",
            "The responsible organization takes no Open311 requests: it has no active intake "
            "channel app, website or other",
        ),
    )


async def submit(
    session: AsyncSession,
    principal: Principal,
    catalog: Catalog,
    form: ServiceRequestIn,
    memory: IntakeMemory | None = None,
) -> Inquiry:
    """Creates the inquiry through the inquiries service (routing, channel, SLA, reference,
    tracking token, audit, `inquiry.created`). The tracking token is not returned: Open311
    has no field for it, and the request is followed with GET requests/{id}."""
    if not form.service_code:
        raise Open311Error(400, text("service_code مطلوب", "service_code was not provided"))
    category = catalog.service(form.service_code)
    if category is None:
        raise Open311Error(
            400,
            text(
                f"service_code «{form.service_code}» غير موجود",
                f"service_code '{form.service_code}' was not found",
            ),
        )
    mapping.check_fields(form)
    # an own service is routed by its category; an inherited one goes to the jurisdiction
    receiving = None if catalog.owns(category) else catalog.jurisdiction.id
    channel = await _channel_for(session, receiving, category)
    body = mapping.inquiry_create(form, category, channel, receiving)
    created, _token = await intake.create_inquiry(session, principal, body, memory)
    inquiry = await inquiries_repository.get(session, created.id)
    assert inquiry is not None
    note = mapping.staff_note(form)
    if note is not None:
        add_message(session, inquiry, "internal", "system", principal.subject, note, clock.now())
    return inquiry


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestBatch:
    rows: list[Inquiry]
    categories: dict[uuid.UUID, Category]
    agencies: dict[uuid.UUID, tuple[str, str | None]]
    next_cursor: str | None = None
    # inquiry id → the path of its public photo (the request's `media_url`)
    media: dict[uuid.UUID, str] = field(default_factory=dict)


async def _batch(
    session: AsyncSession, rows: list[Inquiry], next_cursor: str | None = None
) -> RequestBatch:
    categories = await repository.categories_by_id(
        session, [r.category_id for r in rows if r.category_id is not None]
    )
    agencies = await repository.organization_names(session, [r.organization_id for r in rows])
    photos = await media.media_paths(session, [r.id for r in rows])
    return RequestBatch(rows, categories, agencies, next_cursor, photos)


async def find_requests(
    session: AsyncSession, catalog: Catalog, query: mapping.RequestQuery
) -> RequestBatch:
    org_ids = await repository.subtree_ids(session, catalog.jurisdiction.id)
    if query.references is not None:
        rows = await repository.requests_by_reference(session, query.references, org_ids)
        return await _batch(session, rows)
    stmt = repository.requests_statement(
        org_ids, query.service_codes, query.states, query.start, query.end, clock.now()
    )
    cursor = query.cursor
    if cursor is None and query.page > 1:
        cursor = await repository.cursor_before(session, stmt, (query.page - 1) * query.page_size)
        if cursor is None:
            return RequestBatch([], {}, {})
    rows, next_cursor = await repository.requests_page(
        session, stmt, PageParams(query.page_size, cursor)
    )
    return await _batch(session, rows, next_cursor)


async def find_request(
    session: AsyncSession, catalog: Catalog, reference: str, what: str = "service_request_id"
) -> RequestBatch:
    org_ids = await repository.subtree_ids(session, catalog.jurisdiction.id)
    rows = await repository.requests_by_reference(session, [reference], org_ids)
    if not rows:
        raise Open311Error(
            404, text(f"{what} «{reference}» غير موجود", f"{what} '{reference}' was not found")
        )
    return await _batch(session, rows)
