"""`/open311/v2/`: Open311 GeoReport v2, in JSON and XML.

Thin like every router (parse, call `service.py`, render), with one difference: failures
are answered as the spec's error list (`[{"code", "description"}]` or `<errors>`), never
as problem details, by the route class below — whatever raised them (Open311 rules, the
inquiries service's domain errors, parameter validation).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from services.common.db import SessionDep
from services.common.i18n import text
from services.inquiries import clock
from services.inquiries.open311 import mapping, media, service
from services.inquiries.open311.errors import Open311Error
from services.inquiries.open311.responses import (
    FORMATS,
    PREFIX,
    Open311Route,
    base_url,
    documented_responses,
    render,
)
from services.inquiries.open311.schemas import (
    SPECIFICATION,
    Open311Discovery,
    Open311Endpoint,
    Open311Format,
    Open311Receipt,
    Open311Request,
    Open311Service,
    Open311ServiceDefinition,
    Open311Token,
    service_request_form_schema,
)

router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)


# --- documentation -------------------------------------------------------------------------

FormatParam = Annotated[
    Open311Format,
    Path(description="`json` or `xml` (XML is the spec's required format)."),
]
JurisdictionParam = Annotated[
    str | None,
    Query(
        max_length=50,
        description="The organization code. Required when more than one organization "
        "offers public services; defaults to the only one otherwise. Unknown → 404.",
        examples=["RIYADH"],
    ),
]


@router.get(
    "/discovery.{response_format}",
    summary="Service discovery",
    description="The Open311 service discovery document: where the GeoReport v2 endpoint is, "
    "its formats, how to get an `api_key`, and `changeset` — the last change of any "
    "category (refresh cached services when it moves).",
    response_model=Open311Discovery,
    responses=documented_responses(
        "The discovery document.",
        '<?xml version="1.0" encoding="UTF-8"?>\n<discovery><changeset>2026-03-01T09:30:00'
        "+00:00</changeset><contact>…</contact><key_service>…</key_service><endpoints>"
        "<endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>"
        "<url>http://127.0.0.1:8000/open311/v2</url><changeset>…</changeset><type>production"
        "</type><formats><format>text/xml</format><format>application/json</format>"
        "</formats></endpoint></endpoints></discovery>",
        400,
    ),
)
async def discovery(
    response_format: FormatParam, request: Request, session: SessionDep
) -> Response:
    changed = mapping.rfc3339(await service.changeset(session)) or ""
    document = Open311Discovery(
        changeset=changed,
        contact=text(
            "للاستفسار عن الواجهة تواصل مع مدير النظام في جهتك",
            "For help with the API, contact your organization's govhub administrator",
        ),
        key_service=text(
            "يُنشئ مدير الجهة عميلاً آلياً بالنطاق inquiries:write عبر POST /v1/api-clients؛ "
            "api_key هو <client_id>:<client_secret>",
            "An organization administrator creates a machine client with the inquiries:write "
            "scope (POST /v1/api-clients); the api_key is <client_id>:<client_secret>",
        ),
        endpoints=[
            Open311Endpoint(
                specification=SPECIFICATION,
                url=base_url(request),
                changeset=changed,
                type="production",
                formats=FORMATS,
            )
        ],
    )
    return render(response_format, document.model_dump(mode="json"), "discovery")


@router.get(
    "/services.{response_format}",
    summary="Services (public inquiry categories)",
    description="The public, active inquiry categories of the jurisdiction and of the "
    "organizations above it (categories apply down the tree; on a code used at several "
    "levels the nearest wins) as Open311 services: `service_code` = category `code`, names "
    "and descriptions in Arabic (English with `Accept-Language: en` where the category has "
    "them), `group` = the public parent category, `metadata` false (no extra attributes), "
    "`type` realtime.",
    response_model=list[Open311Service],
    responses=documented_responses(
        "The services.",
        '<?xml version="1.0" encoding="UTF-8"?>\n<services><service><service_code>water-leak'
        "</service_code><service_name>تسرب المياه</service_name><description />"
        "<metadata>false</metadata><type>realtime</type><keywords>تسرب المياه, Water leak"
        "</keywords><group /></service></services>",
        400,
        404,
    ),
)
async def list_services(
    response_format: FormatParam, session: SessionDep, jurisdiction_id: JurisdictionParam = None
) -> Response:
    catalog = await service.catalog(session, jurisdiction_id)
    services = [mapping.service_view(c, catalog.by_id) for c in catalog.services]
    payload = [s.model_dump(mode="json") for s in services]
    return render(response_format, payload, "services", "service")


@router.get(
    "/services/{service_code}.{response_format}",
    summary="Service definition",
    description="The attributes of a service: none (`attributes` is empty — govhub "
    "categories take the standard fields only). Unknown or inactive `service_code` → 404.",
    response_model=Open311ServiceDefinition,
    responses=documented_responses(
        "The service definition.",
        '<?xml version="1.0" encoding="UTF-8"?>\n<service_definition><service_code>'
        "water-leak</service_code><attributes /></service_definition>",
        400,
        404,
    ),
)
async def service_definition(
    service_code: Annotated[str, Path(max_length=50, examples=["water-leak"])],
    response_format: FormatParam,
    session: SessionDep,
    jurisdiction_id: JurisdictionParam = None,
) -> Response:
    catalog = await service.catalog(session, jurisdiction_id)
    category = service.service_definition(catalog, service_code)
    document = Open311ServiceDefinition(service_code=category.code, attributes=[])
    return render(response_format, document.model_dump(mode="json"), "service_definition")


# --- requests ----------------------------------------------------------------------------------

_REQUESTS_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<service_requests><request><service_request_id>'
    "INQ-2026-000123</service_request_id><status>open</status><status_notes>قيد المعالجة"
    "</status_notes><service_name>تسرب المياه</service_name><service_code>water-leak"
    "</service_code><description>تسرب مياه أمام المنزل &lt;١٢&gt;</description>"
    "<agency_responsible>أمانة منطقة الرياض</agency_responsible><service_notice>يُتوقع حل "
    "البلاغ خلال 40 ساعة عمل</service_notice><requested_datetime>2026-03-01T09:30:00+00:00"
    "</requested_datetime><updated_datetime>2026-03-01T11:02:41+00:00</updated_datetime>"
    "<expected_datetime>2026-03-08T13:30:00+00:00</expected_datetime><address>حي النزهة"
    "</address><address_id /><zipcode /><lat>24.7136</lat><long>46.6753</long><media_url />"
    "</request></service_requests>"
)


def _views(batch: service.RequestBatch, request: Request) -> list[dict[str, Any]]:
    # a stored file's public URL: the gateway's origin and the attachment's path
    origin = base_url(request).removesuffix(PREFIX)
    views = [
        mapping.request_view(
            row,
            category,
            batch.agencies.get(row.organization_id),
            origin + batch.media[row.id] if row.id in batch.media else None,
        )
        for row in batch.rows
        # always found: only rows of (public) categories are read
        if row.category_id is not None and (category := batch.categories.get(row.category_id))
    ]
    return [v.model_dump(mode="json") for v in views]


def _next_link(request: Request, page: int, cursor: str) -> str:
    params = dict(request.query_params)
    params.update(page=str(page + 1), cursor=cursor)
    return f'<{request.url.path}?{urlencode(params)}>; rel="next"'


@router.get(
    "/requests.{response_format}",
    summary="Service requests",
    description="""Public service requests of the jurisdiction: inquiries owned by it or by an
organization below it (after routing and transfers) in a public category — media requests
never — newest first. Public data only: never contact details, internal notes, staff names
or tracking tokens.

Filters of the spec: `service_request_id` (comma-separated; overrides every other filter),
`service_code` (comma-separated), `start_date`/`end_date` (RFC 3339 with offset, on
`requested_datetime`, at most 90 days apart; default the last 90 days), `status`
(`open`, `closed`, or both comma-separated).

Paging (the GeoReport extension): `page_size` (1–1000, default 1000 — the spec's limit) and
`page` (from 1). Pages are read by keyset on (requested_datetime, id); when there is a next
page, the `Link: <…>; rel="next"` header gives its URL with a `cursor` that continues
exactly where this page ended (a bare `page=N` finds its start on the index keys first).""",
    response_model=list[Open311Request],
    responses=documented_responses("The matching requests.", _REQUESTS_XML, 400, 404),
)
async def list_requests(
    request: Request,
    response_format: FormatParam,
    session: SessionDep,
    jurisdiction_id: JurisdictionParam = None,
    service_request_id: Annotated[
        str | None,
        Query(
            max_length=25_000,
            description="One or more ids, comma-separated (at most 1000).",
            examples=["INQ-2026-000123,INQ-2026-000124"],
        ),
    ] = None,
    service_code: Annotated[
        str | None,
        Query(max_length=2000, description="One or more service codes, comma-separated."),
    ] = None,
    start_date: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Earliest `requested_datetime` (RFC 3339 with offset).",
            examples=["2026-03-01T00:00:00+03:00"],
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    end_date: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Latest `requested_datetime` (RFC 3339 with offset).",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    status: Annotated[
        str | None,
        Query(
            max_length=20,
            json_schema_extra={"pattern": "^(?:(?:open|closed)(?:,(?:open|closed))*)?$"},
            description="`open`, `closed` or `open,closed`.",
            examples=["open"],
        ),
    ] = None,
    page: Annotated[
        str | None,
        Query(
            max_length=10,
            # a string, as Open311 has it; the pattern states the range the hub reads
            json_schema_extra={"pattern": "^(?:[1-9][0-9]{0,4}|100000)?$"},
            description="Page number, 1–100000.",
            examples=["1"],
        ),
    ] = None,
    page_size: Annotated[
        str | None,
        Query(
            max_length=10,
            json_schema_extra={"pattern": "^(?:[1-9][0-9]{0,2}|1000)?$"},
            description="Requests per page, 1–1000 (default 1000).",
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=500, description="From the `Link` header of the previous page."),
    ] = None,
) -> Response:
    query = mapping.request_query(
        {
            name: value
            for name, value in (
                ("service_request_id", service_request_id),
                ("service_code", service_code),
                ("start_date", start_date),
                ("end_date", end_date),
                ("status", status),
                ("page", page),
                ("page_size", page_size),
                ("cursor", cursor),
            )
            if value is not None
        },
        clock.now(),
    )
    catalog = await service.catalog(session, jurisdiction_id)
    batch = await service.find_requests(session, catalog, query)
    headers = {}
    if batch.next_cursor is not None:
        headers["Link"] = _next_link(request, query.page, batch.next_cursor)
    return render(
        response_format,
        _views(batch, request),
        "service_requests",
        "request",
        headers=headers,
    )


_FORM_SCHEMA = service_request_form_schema()
_POST_DESCRIPTION = """Creates an inquiry (kind `request`) in the service's category through the
inquiries service — routing (a service of the jurisdiction's own is routed by its category;
one inherited from an organization above goes to the jurisdiction), the receiving
organization's intake channel (`app`, else `website`, else `other`), SLA targets and due
times, a reference, the audit entry and the `inquiry.created` event — and answers at once
(`type` realtime, so no `token`): `service_request_id` is the inquiry reference.

**Authentication**: `api_key` = `<client_id>:<client_secret>` of a directory machine client
(`POST /v1/api-clients`) with the `inquiries:write` scope, checked against the stored
SHA-256 secret hash; or `Authorization: Bearer <token>`. Missing or invalid → 403.

**Fields** (form body, `application/x-www-form-urlencoded` or `multipart/form-data`; each
may also come in the query string, as `swagger.json` describes — prefer the body for
`api_key`): `service_code` (required; unknown → 400), a location — `lat` + `long`, or
`address_string` (`address_id` only beside one of those: there is no address repository) —
and optionally `description` (≤ 4000 characters; the first line becomes the inquiry subject),
`first_name`, `last_name`, `email`, `phone` (E.164), `media_url`, `device_id`, `account_id`.
Contact details are seen only by staff of the owning organization; `media_url`, `device_id`,
`account_id` and `address_id` are kept in an internal note. Text is stored exactly as sent.

**Media**: a `multipart/form-data` body may carry the photo itself in a `media` (or `file`)
part: it is stored as the inquiry's attachment (a citizen's upload: JPEG, PNG, WebP or PDF,
10 MiB, metadata such as GPS removed), public like the request, and the request's
`media_url` then points at it (`/v1/attachments/{id}/content`). A `media_url` sent as text
is kept as given and never fetched by the server.

A retried POST with the same `Idempotency-Key` creates one inquiry. Answers 200 (the status
swagger.json documents) with a one-item list."""


@router.post(
    "/requests.{response_format}",
    summary="Create a service request",
    description=_POST_DESCRIPTION,
    response_model=list[Open311Receipt],
    responses=documented_responses(
        "The created request.",
        '<?xml version="1.0" encoding="UTF-8"?>\n<service_requests><request>'
        "<service_request_id>INQ-2026-000123</service_request_id><service_notice>يُتوقع حل "
        "البلاغ خلال 40 ساعة عمل</service_notice></request></service_requests>",
        400,
        403,
        404,
        409,
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": _FORM_SCHEMA,
                    "example": _FORM_SCHEMA["examples"][0],
                }
            },
        }
    },
)
async def create_request(
    response_format: FormatParam, request: Request, session: SessionDep
) -> Response:
    async with media.posted(request) as (fields, upload):
        principal = await service.authenticate(session, request, fields.get("api_key") or None)
        form = mapping.service_request_form(fields)
        catalog = await service.catalog(session, form.jurisdiction_id)
        settings = request.app.state.settings
        prepared = await media.receive_media(settings, upload) if upload is not None else None
        try:
            memory = request.app.state.intake_memory
            inquiry = await service.submit(session, principal, catalog, form, memory)
            if prepared is not None:
                storage = request.app.state.attachment_storage
                await media.attach_media(session, storage, prepared, principal, inquiry)
        finally:
            if prepared is not None:
                prepared.discard()  # the spool file, if it was not moved into storage
    receipt = mapping.receipt_view(inquiry, form.account_id)
    return render(
        response_format,
        # swagger.json types account_id as a string: absent rather than null
        [receipt.model_dump(mode="json", exclude_none=True)],
        "service_requests",
        "request",
        headers={"Cache-Control": "no-store"},
    )


RequestIdParam = Annotated[
    str,
    Path(max_length=40, description="The inquiry reference.", examples=["INQ-2026-000123"]),
]


@router.get(
    "/requests/{service_request_id}.{response_format}",
    summary="One service request",
    description="A list with the one request (the spec's shape), the same public fields as "
    "the list. 404 when it is unknown, outside the jurisdiction's subtree, not in a public "
    "category, or a media request.",
    response_model=list[Open311Request],
    responses=documented_responses("The request.", _REQUESTS_XML, 400, 404),
)
async def get_request(
    service_request_id: RequestIdParam,
    response_format: FormatParam,
    request: Request,
    session: SessionDep,
    jurisdiction_id: JurisdictionParam = None,
) -> Response:
    catalog = await service.catalog(session, jurisdiction_id)
    batch = await service.find_request(session, catalog, service_request_id)
    return render(response_format, _views(batch, request), "service_requests", "request")


# swagger.json spells the path in the singular
router.add_api_route(
    "/request/{service_request_id}.{response_format}",
    get_request,
    methods=["GET"],
    include_in_schema=False,
)


@router.get(
    "/tokens/{token_id}.{response_format}",
    summary="Service request id from a token",
    description="Requests are created synchronously, so a request's token is its "
    "`service_request_id`: this answers `[{service_request_id, token}]` for a public "
    "request of the jurisdiction, 404 otherwise.",
    response_model=list[Open311Token],
    responses=documented_responses(
        "The request id of the token.",
        '<?xml version="1.0" encoding="UTF-8"?>\n<service_requests><request>'
        "<service_request_id>INQ-2026-000123</service_request_id><token>INQ-2026-000123"
        "</token></request></service_requests>",
        400,
        404,
    ),
)
async def resolve_token(
    token_id: Annotated[str, Path(max_length=40, examples=["INQ-2026-000123"])],
    response_format: FormatParam,
    session: SessionDep,
    jurisdiction_id: JurisdictionParam = None,
) -> Response:
    catalog = await service.catalog(session, jurisdiction_id)
    batch = await service.find_request(session, catalog, token_id, what="token")
    tokens = [Open311Token(service_request_id=r.reference, token=token_id) for r in batch.rows]
    payload = [t.model_dump(mode="json") for t in tokens]
    return render(response_format, payload, "service_requests", "request")


@router.api_route("/{path:path}", methods=["GET", "POST"], include_in_schema=False)
async def unknown_resource(path: str) -> Response:
    raise Open311Error(
        404, text("لا يوجد مورد Open311 بهذا المسار", "There is no Open311 resource at this path")
    )
