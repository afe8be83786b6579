"""`/v1/campaigns` and `/v1/flights`: campaigns, their approval and their flights."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Request, Response, status

from services.campaigns.api.deps import Reader, Writer
from services.campaigns.models import Campaign, Flight
from services.campaigns.schemas.campaigns import (
    CampaignCreate,
    CampaignDetail,
    CampaignOut,
    CampaignType,
    CampaignUpdate,
    DecisionIn,
    DecisionOut,
    FlightCreate,
    FlightOut,
    FlightUpdate,
)
from services.campaigns.schemas.common import problems
from services.campaigns.service import campaigns as service
from services.common import highlight, search
from services.common.app import new_router
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep

CAMPAIGN_HIT = highlight.hit_model(CampaignOut)
SEARCHED_FIELDS = ("code", "title_ar", "title_en", "objective_ar")

router = new_router(prefix="/v1/campaigns", tags=["campaigns"])
flights_router = new_router(prefix="/v1/flights", tags=["campaigns"])


def _out(campaign: Campaign) -> CampaignOut:
    return CampaignOut.model_validate(campaign, from_attributes=True)


async def _detail(session: SessionDep, campaign: Campaign, response: Response) -> CampaignDetail:
    set_etag(response, campaign.id, campaign.updated_at)
    decisions = await service.decisions(session, campaign)
    return CampaignDetail.model_validate(
        {
            **_out(campaign).model_dump(),
            "decisions": [DecisionOut.model_validate(d, from_attributes=True) for d in decisions],
        }
    )


def _flight(flight: Flight, response: Response | None = None) -> FlightOut:
    if response is not None:
        set_etag(response, flight.id, flight.updated_at)
    return FlightOut.model_validate(flight, from_attributes=True)


@router.get(
    "",
    summary="List campaigns",
    description="Campaigns of the caller's subtree, newest first or, with `q` and "
    "`sort=relevance`, best match first (keyset pagination either way); `highlight=true` "
    "adds each item's matching fragments; a `q` that finds nothing is corrected to the "
    "nearest words (`corrected_q`).",
    response_model=search.SearchPage[CAMPAIGN_HIT],  # type: ignore[valid-type]
    responses=problems(400, 401, 403, 404, 422),
)
async def list_campaigns(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    options: search.SearchOptionsDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    type_: Annotated[CampaignType | None, Query(alias="type")] = None,
    status_: Annotated[
        Literal["draft", "pending", "approved", "rejected", "cancelled", "completed"] | None,
        Query(alias="status"),
    ] = None,
    initiative_id: Annotated[uuid.UUID | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description=search.q_description("code, titles and Arabic objective"),
            examples=search.Q_EXAMPLES,
        ),
    ] = None,
) -> Response:
    filters = service.CampaignFilters(organization_id, type_, status_, initiative_id, q)
    result = await service.list_campaigns(session, principal, filters, page, options)
    items = [_out(c) for c in result.rows]
    return highlight.search_response(result, items, options, SEARCHED_FIELDS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Plan a campaign",
    description="State `draft`. Cited key message versions must be approved (422).",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_campaign(
    body: CampaignCreate, session: SessionDep, principal: Writer, response: Response
) -> CampaignDetail:
    campaign = await service.create(session, principal, body)
    response.headers["Location"] = f"/v1/campaigns/{campaign.id}"
    return await _detail(session, campaign, response)


@router.get(
    "/{campaign_id}",
    summary="Get a campaign",
    description="With its approval history. Carries an `ETag`.",
    responses=problems(401, 403, 404),
)
async def get_campaign(
    campaign_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> CampaignDetail:
    return await _detail(session, await service.get(session, principal, campaign_id), response)


@router.patch(
    "/{campaign_id}",
    summary="Change a campaign",
    description="A change of the dates or channels of a pending or approved campaign sends "
    "it back to `pending` with a new `version` (its flights' calendar entries follow). "
    "Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_campaign(
    campaign_id: uuid.UUID,
    body: CampaignUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> CampaignDetail:
    campaign = await service.get(session, principal, campaign_id, lock=True)
    check_if_match(request, campaign.id, campaign.updated_at)
    changed = await service.update(session, principal, campaign, body)
    return await _detail(session, changed, response)


_ACTIONS = {
    "submit": ("Submit for approval", "draft | rejected → pending."),
    "approve": (
        "Approve",
        "pending → approved, by a unit_head or org_admin of the organization or above (or a "
        "sector_admin), never the author or the last to change it (403 `self_decision`). "
        "Its flights become approved `campaign_flight` entries of the calendar.",
    ),
    "reject": ("Reject", "pending → rejected with a `comment`; same deciders as approve."),
    "cancel": ("Cancel", "→ cancelled; its flights' calendar entries are cancelled."),
    "complete": ("Complete", "approved → completed."),
}


def _action_route(action: str) -> None:
    summary, description = _ACTIONS[action]

    async def endpoint(
        campaign_id: uuid.UUID,
        session: SessionDep,
        principal: Reader,
        response: Response,
        body: DecisionIn | None = None,
    ) -> CampaignDetail:
        campaign = await service.get(session, principal, campaign_id, lock=True)
        acted = await service.act(session, principal, campaign, action, body or DecisionIn())
        return await _detail(session, acted, response)

    endpoint.__name__ = f"{action}_campaign"
    router.post(
        f"/{{campaign_id}}/{action}",
        summary=f"{summary} a campaign",
        description=description + " 409 `invalid_state` from another state.",
        responses=problems(401, 403, 404, 409, 422),
    )(endpoint)


for _action in _ACTIONS:
    _action_route(_action)


@router.get(
    "/{campaign_id}/flights",
    summary="List a campaign's flights",
    description="By start date, cancelled ones included.",
    responses=problems(401, 403, 404),
)
async def list_flights(
    campaign_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> Page[FlightOut]:
    campaign = await service.get(session, principal, campaign_id)
    rows, cursor = await service.flights(session, campaign, page)
    return Page(items=[_flight(f) for f in rows], next_cursor=cursor)


@router.post(
    "/{campaign_id}/flights",
    status_code=status.HTTP_201_CREATED,
    summary="Add a flight",
    description="On one of the campaign's channels, inside its dates (422 otherwise). On an "
    "approved campaign it becomes an approved calendar entry at once.",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_flight(
    campaign_id: uuid.UUID,
    body: FlightCreate,
    session: SessionDep,
    principal: Writer,
    response: Response,
) -> FlightOut:
    campaign = await service.get(session, principal, campaign_id, lock=True)
    flight = await service.create_flight(session, principal, campaign, body)
    response.headers["Location"] = f"/v1/flights/{flight.id}"
    return _flight(flight, response)


@flights_router.get("/{flight_id}", summary="Get a flight", responses=problems(401, 403, 404))
async def get_flight(
    flight_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> FlightOut:
    return _flight(await service.get_flight(session, principal, flight_id), response)


@flights_router.patch(
    "/{flight_id}",
    summary="Move a flight",
    description="Inside the campaign's dates; the calendar entry moves with it. Honours "
    "`If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_flight(
    flight_id: uuid.UUID,
    body: FlightUpdate,
    session: SessionDep,
    principal: Writer,
    request: Request,
    response: Response,
) -> FlightOut:
    flight = await service.get_flight(session, principal, flight_id)
    check_if_match(request, flight.id, flight.updated_at)
    return _flight(await service.update_flight(session, principal, flight, body), response)


@flights_router.delete(
    "/{flight_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Cancel a flight",
    description="Kept as cancelled; its calendar entry is cancelled. Honours `If-Match`.",
    responses=problems(401, 403, 404, 412),
)
async def delete_flight(
    flight_id: uuid.UUID, session: SessionDep, principal: Writer, request: Request
) -> Response:
    flight = await service.get_flight(session, principal, flight_id)
    check_if_match(request, flight.id, flight.updated_at)
    await service.cancel_flight(session, principal, flight)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
