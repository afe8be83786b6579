"""`/v1/crisis-playbooks` and `/v1/crisis-activations` (S2-2)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.campaigns.api.deps import Reader, Writer
from services.campaigns.models import CrisisActivation, CrisisPlaybook
from services.campaigns.schemas.common import problems
from services.campaigns.schemas.crisis import (
    ActivateIn,
    ActivationOut,
    PlaybookCreate,
    PlaybookOut,
    PlaybookUpdate,
)
from services.campaigns.service import crisis as service
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep

router = new_router(prefix="/v1/crisis-playbooks", tags=["crisis"])
activations_router = new_router(prefix="/v1/crisis-activations", tags=["crisis"])


def _playbook(playbook: CrisisPlaybook, response: Response | None = None) -> PlaybookOut:
    if response is not None:
        set_etag(response, playbook.id, playbook.updated_at)
    return PlaybookOut.model_validate(playbook, from_attributes=True)


def _activation(
    activation: CrisisActivation, response: Response, counts: object = None
) -> ActivationOut:
    set_etag(response, activation.id, activation.updated_at)
    return ActivationOut.model_validate(
        {
            **{
                k: getattr(activation, k)
                for k in ActivationOut.model_fields
                if k not in ("tag", "counts")
            },
            "tag": service.tag_of(activation.id),
            "counts": counts,
        }
    )


@router.get(
    "",
    summary="List crisis playbooks",
    description="Playbooks of the caller's subtree, newest first.",
    responses=problems(401, 403, 422),
)
async def list_playbooks(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
) -> Page[PlaybookOut]:
    rows, cursor = await service.list_playbooks(
        session, principal, service.PlaybookFilters(organization_id), page
    )
    return Page(items=[_playbook(p) for p in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Prepare a crisis playbook",
    description="Scenario, levels with criteria, holding statements (approved key message "
    "versions, 422 otherwise), spokespeople, channels and Arabic and English keywords.",
    responses=problems(401, 403, 404, 422),
)
async def create_playbook(
    body: PlaybookCreate, session: SessionDep, principal: Writer, response: Response
) -> PlaybookOut:
    playbook = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/crisis-playbooks/{playbook.id}"
    return _playbook(playbook, response)


@router.get("/{playbook_id}", summary="Get a crisis playbook", responses=problems(401, 403, 404))
async def get_playbook(
    playbook_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> PlaybookOut:
    return _playbook(await service.get(session, principal, playbook_id), response)


@router.patch(
    "/{playbook_id}",
    summary="Change a crisis playbook",
    description="Only the fields sent change. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412, 422),
)
async def update_playbook(
    playbook_id: uuid.UUID,
    body: PlaybookUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> PlaybookOut:
    playbook = await service.get(session, principal, playbook_id)
    check_if_match(request, playbook.id, playbook.updated_at)
    return _playbook(await service.update(session, principal, playbook, body), response)


@router.post(
    "/{playbook_id}/activate",
    status_code=status.HTTP_201_CREATED,
    summary="Activate a crisis playbook",
    description="At a level of the playbook for a scope (its organization or one below): "
    "opens an approved crisis campaign; the inquiries service tags the scope's new "
    "inquiries matching a keyword, and those of the 48 hours before, with "
    "`crisis:<activation id>`; with `suspend_calendar` the scope's approved calendar "
    "entries are suspended. 409 `already_active` when the playbook is active for the scope.",
    responses=problems(401, 403, 404, 409, 422),
)
async def activate_playbook(
    playbook_id: uuid.UUID,
    body: ActivateIn,
    session: SessionDep,
    principal: Writer,
    response: Response,
) -> ActivationOut:
    playbook = await service.get(session, principal, playbook_id)
    activation = await service.activate(session, principal, playbook, body)
    response.headers["Location"] = f"/v1/crisis-activations/{activation.id}"
    return _activation(activation, response)


@activations_router.get(
    "/{activation_id}",
    summary="A crisis activation with live counts",
    description="The tagged inquiries by channel and status and their first-response "
    "compliance, read from the inquiries service with the caller's token.",
    responses=problems(401, 403, 404),
)
async def get_activation(
    activation_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    request: Request,
    response: Response,
) -> ActivationOut:
    activation = await service.get_activation(session, principal, activation_id)
    counts = await service.live_counts(
        getattr(request.app.state, "inquiries_client", None),
        request.headers.get("authorization"),
        activation,
    )
    return _activation(activation, response, counts)


@activations_router.post(
    "/{activation_id}/close",
    summary="Close a crisis activation",
    description="Tagging stops, the calendar suspension is lifted, the crisis campaign "
    "completes. 409 `invalid_state` when already closed.",
    responses=problems(401, 403, 404, 409),
)
async def close_activation(
    activation_id: uuid.UUID, session: SessionDep, principal: Writer, response: Response
) -> ActivationOut:
    activation = await service.get_activation(session, principal, activation_id, lock=True)
    return _activation(await service.close(session, principal, activation), response)
