"""`/v1/inquiry-notification-templates` (staff) and `/v1/inquiries/track/{reference}/opt-out`
(the citizen, with the tracking token)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Request, Response, status

from services.common.app import new_router
from services.common.auth import PrincipalDep
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep
from services.inquiries.api.deps import TrackingToken, problems
from services.inquiries.notifications import service
from services.inquiries.notifications.schemas import Language, TemplateIn, TemplateOut
from services.inquiries.notifications.texts import NotificationEvent

templates = new_router(prefix="/v1/inquiry-notification-templates", tags=["notifications"])
opt_out_router = new_router(prefix="/v1/inquiries", tags=["notifications"])

KEY = "/{organization_id}/{event}/{language}"
EventParam = Annotated[NotificationEvent, Path(description="Which notification.")]
LanguageParam = Annotated[Language, Path(description="`ar` or `en`.")]


def _out(
    organization_id: uuid.UUID,
    event: NotificationEvent,
    language: str,
    found: tuple[str, str, uuid.UUID | None, object | None, str | None],
    response: Response | None = None,
) -> TemplateOut:
    subject, body, whose, own, whatsapp_template = found
    source = "built_in" if whose is None else "own" if whose == organization_id else "inherited"
    created = getattr(own, "created_at", None)
    updated = getattr(own, "updated_at", None)
    if response is not None and own is not None and updated is not None:
        set_etag(response, getattr(own, "id", None), updated)
    return TemplateOut(
        organization_id=organization_id,
        event=event.value,
        language=language,
        subject=subject,
        body=body,
        source=source,
        inherited_from=whose if source == "inherited" else None,
        whatsapp_template=whatsapp_template,
        created_at=created,
        updated_at=updated,
    )


@templates.get(
    "",
    summary="List notification templates",
    description="The templates organizations of the caller's subtree have set (not the "
    "built-in wording, which `GET …/{organization_id}/{event}/{language}` shows).",
    responses=problems(401, 403, 404, 422),
)
async def list_templates(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    organization_id: uuid.UUID | None = None,
) -> Page[TemplateOut]:
    rows, cursor = await service.list_templates(session, principal, organization_id, page)
    items = [
        _out(
            r.organization_id,
            NotificationEvent(r.event),
            r.language,
            (r.subject or "", r.body, r.organization_id, r, r.whatsapp_template),
        )
        for r in rows
    ]
    return Page(items=items, next_cursor=cursor)


@templates.get(
    KEY,
    summary="The wording of one notification",
    description="What citizens of the organization get: its own template, else the nearest "
    "ancestor's, else the built-in one (`source` says which).",
    responses=problems(401, 403, 404, 422),
)
async def get_template(
    organization_id: uuid.UUID,
    event: EventParam,
    language: LanguageParam,
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
) -> TemplateOut:
    found = await service.effective_template(session, principal, organization_id, event, language)
    return _out(organization_id, event, language, found, response)


@templates.put(
    KEY,
    summary="Set the wording of one notification",
    description="The organization's own template (organizations below it inherit it). Only "
    "the placeholders `{reference}`, `{organization}`, `{text}` and `{link}` (422 otherwise). "
    "`whatsapp_template` names the approved WhatsApp template sent instead when the "
    "citizen's last WhatsApp message is more than 24 hours old. Honours `If-Match` when it "
    "replaces one. Heads and administrators (`inquiries:admin`).",
    responses=problems(401, 403, 404, 412, 422),
)
async def put_template(
    organization_id: uuid.UUID,
    event: EventParam,
    language: LanguageParam,
    body: TemplateIn,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> TemplateOut:
    own = (await service.effective_template(session, principal, organization_id, event, language))[
        3
    ]
    if own is not None:
        check_if_match(request, own.id, own.updated_at)
    row = await service.put_template(
        session,
        principal,
        organization_id,
        event,
        language,
        body.subject,
        body.body,
        body.whatsapp_template,
    )
    found = await service.effective_template(session, principal, organization_id, event, language)
    return _out(
        organization_id, event, language, (found[0], found[1], found[2], row, found[4]), response
    )


@templates.delete(
    KEY,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an organization's wording",
    description="Its citizens get the inherited or built-in wording again.",
    responses=problems(401, 403, 404),
)
async def delete_template(
    organization_id: uuid.UUID,
    event: EventParam,
    language: LanguageParam,
    session: SessionDep,
    principal: PrincipalDep,
) -> Response:
    await service.delete_template(session, principal, organization_id, event, language)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@opt_out_router.post(
    "/track/{reference}/opt-out",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop notifications (citizen)",
    description="With the tracking token: the inquiry's contact (phone number, e-mail "
    "address, WhatsApp number) gets no more notifications, for this inquiry or any other. "
    "On WhatsApp, sending STOP or «إيقاف» does the same (START or «ابدأ» undoes it).",
    responses=problems(401, 404),
)
async def opt_out(
    reference: Annotated[str, Path(max_length=40)],
    session: SessionDep,
    token: TrackingToken = None,
) -> Response:
    await service.opt_out(session, reference, token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
