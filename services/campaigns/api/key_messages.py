"""`/v1/key-messages` and `/v1/key-message-versions` (S1-3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from services.campaigns.api.deps import Reader, Writer
from services.campaigns.models import KeyMessage, KeyMessageVersion
from services.campaigns.schemas.common import problems
from services.campaigns.schemas.key_messages import (
    KeyMessageCreate,
    KeyMessageOut,
    SectorMessageOut,
    VersionCreate,
    VersionOut,
)
from services.campaigns.service import key_messages as service
from services.common import highlight, search
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.etag import set_etag
from services.common.pagination import Page, PageDep


def _said(_: KeyMessage, item: KeyMessageOut, matcher: highlight.Matcher) -> dict[str, list[str]]:
    """The matching fragments of every version's wording."""
    fragments = [
        fragment
        for version in item.versions
        for text in (version.text_ar, version.text_en)
        for fragment in highlight.highlight(text, matcher)
    ]
    return {"versions": fragments} if fragments else {}


KEY_MESSAGE_HIT = highlight.hit_model(KeyMessageOut)

router = new_router(prefix="/v1/key-messages", tags=["key-messages"])
versions_router = new_router(prefix="/v1/key-message-versions", tags=["key-messages"])


def _version(version: KeyMessageVersion, response: Response | None = None) -> VersionOut:
    if response is not None:
        set_etag(response, version.id, version.updated_at)
    return VersionOut.model_validate(version, from_attributes=True)


async def _message(
    session: SessionDep, message: KeyMessage, response: Response | None = None
) -> KeyMessageOut:
    if response is not None:
        set_etag(response, message.id, message.updated_at)
    versions = await service.versions(session, message)
    return KeyMessageOut.model_validate(
        {
            "id": message.id,
            "code": message.code,
            "topic": message.topic,
            "organization_id": message.organization_id,
            "created_at": message.created_at,
            "updated_at": message.updated_at,
            "versions": [_version(v) for v in versions],
        }
    )


@router.get(
    "/sector",
    summary="The sector's approved key messages",
    description="Every approved version of the key messages of the organization and below "
    "it (a ministry's view of what its municipalities say), newest first.",
    responses=problems(401, 403, 404, 422),
)
async def sector_messages(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[uuid.UUID, Query()],
) -> Page[SectorMessageOut]:
    rows, cursor = await service.sector_view(session, principal, organization_id, page)
    return Page(
        items=[
            SectorMessageOut(
                version_id=r.id,
                key_message_id=r.key_message_id,
                organization_id=r.organization_id,
                code=r.code,
                topic=r.topic,
                number=r.number,
                text_ar=r.text_ar,
                text_en=r.text_en,
                approved_at=r.approved_at,
            )
            for r in rows
        ],
        next_cursor=cursor,
    )


@router.get(
    "",
    summary="List key messages",
    description="Those of the caller's subtree and of the organizations above it, newest "
    "first or, with `q` and `sort=relevance`, best match first (by the topic), each with "
    "every version. `q` finds a message by its code and topic or by what one of its "
    "versions says; `highlight=true` adds the matching fragments (`topic`, and "
    "`versions`: of every version's wording); a `q` that finds nothing is corrected to "
    "the nearest words (`corrected_q`).",
    response_model=search.SearchPage[KEY_MESSAGE_HIT],  # type: ignore[valid-type]
    responses=problems(400, 401, 403, 422),
)
async def list_key_messages(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    options: search.SearchOptionsDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description=search.q_description(
                "code and topic, and the wording of every version (what was said)"
            ),
            examples=search.Q_EXAMPLES,
        ),
    ] = None,
) -> Response:
    result = await service.list_messages(
        session, principal, service.KeyMessageFilters(organization_id, q), page, options
    )
    items = [await _message(session, m) for m in result.rows]
    return highlight.search_response(result, items, options, ("code", "topic"), _said)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a key message topic",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_key_message(
    body: KeyMessageCreate, session: SessionDep, principal: Writer, response: Response
) -> KeyMessageOut:
    message = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/key-messages/{message.id}"
    return await _message(session, message, response)


@router.get(
    "/{message_id}",
    summary="Get a key message",
    description="With every version, oldest first.",
    responses=problems(401, 403, 404),
)
async def get_key_message(
    message_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> KeyMessageOut:
    return await _message(session, await service.get(session, principal, message_id), response)


@router.post(
    "/{message_id}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="Write a new version",
    description="Bilingual text, state `draft`, numbered after the last; a version's text "
    "never changes (write another).",
    responses=problems(401, 403, 404, 422),
)
async def create_version(
    message_id: uuid.UUID,
    body: VersionCreate,
    session: SessionDep,
    principal: Writer,
    response: Response,
) -> VersionOut:
    message = await service.get(session, principal, message_id)
    version = await service.add_version(session, principal, message, body)
    response.headers["Location"] = f"/v1/key-message-versions/{version.id}"
    return _version(version, response)


@versions_router.get(
    "/{version_id}", summary="Get a key message version", responses=problems(401, 403, 404)
)
async def get_version(
    version_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> VersionOut:
    return _version(await service.get_version(session, principal, version_id), response)


_DECIDERS = (
    "By a unit_head or org_admin of the message's organization or above (or a "
    "sector_admin), never its writer (403 `self_decision`)."
)


@versions_router.post(
    "/{version_id}/approve",
    summary="Approve a version",
    description="draft → approved. " + _DECIDERS,
    responses=problems(401, 403, 404, 409),
)
async def approve_version(
    version_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> VersionOut:
    version = await service.get_version(session, principal, version_id, lock=True)
    return _version(await service.act(session, principal, version, "approve"), response)


@versions_router.post(
    "/{version_id}/retire",
    summary="Retire a version",
    description="draft | approved → retired; campaigns that cited it keep citing it. " + _DECIDERS,
    responses=problems(401, 403, 404, 409),
)
async def retire_version(
    version_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> VersionOut:
    version = await service.get_version(session, principal, version_id, lock=True)
    return _version(await service.act(session, principal, version, "retire"), response)
