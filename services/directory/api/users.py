"""`/v1/users`, `/v1/users/me` and `/v1/users/me/password`."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from services.common.app import new_router
from services.common.auth import Principal, PrincipalDep, require
from services.common.db import SessionDep
from services.common.etag import check_if_match, set_etag
from services.common.pagination import Page, PageDep
from services.common.permissions import Role
from services.directory.api.deps import NoReplayRoute, PasswordsDep
from services.directory.models import User
from services.directory.schemas.common import problems
from services.directory.schemas.users import PasswordChange, UserCreate, UserOut, UserUpdate
from services.directory.service import users as service
from services.directory.service.common import visible_organization

router = new_router(prefix="/v1/users", tags=["users"])

Reader = Annotated[Principal, require("users:read")]
Writer = Annotated[Principal, require("users:write")]


def _out(user: User, response: Response | None = None) -> UserOut:
    if response is not None:
        set_etag(response, user.id, user.updated_at)
    return UserOut.model_validate(user, from_attributes=True)


@router.get(
    "",
    summary="List staff",
    description="Staff of the caller's subtree, newest first. `organization_id` narrows to "
    "an organization and everything below it; `q` matches username, names and e-mail.",
    responses=problems(401, 403, 404, 422),
)
async def list_users(
    session: SessionDep,
    principal: Reader,
    page: PageDep,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="This organization and its subtree.")
    ] = None,
    role: Annotated[Role | None, Query(description="Holding this role.")] = None,
    active: Annotated[bool | None, Query(description="Only enabled / disabled.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text search.")] = None,
) -> Page[UserOut]:
    if organization_id is not None:
        await visible_organization(session, principal, organization_id, "organization_id")
    filters = service.UserFilters(organization_id=organization_id, role=role, active=active, q=q)
    rows, cursor = await service.list_visible(session, principal, filters, page)
    return Page(items=[_out(u) for u in rows], next_cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a staff user",
    description="In an organization of the caller's subtree. The caller must be allowed to "
    "grant every role given (403 naming `roles`). The password is stored as an Argon2id "
    "hash and never returned.",
    responses=problems(401, 403, 404, 409, 422),
)
async def create_user(
    body: UserCreate,
    session: SessionDep,
    principal: Writer,
    passwords: PasswordsDep,
    response: Response,
) -> UserOut:
    user = await service.create(session, principal, passwords, body)
    response.headers["Location"] = f"/v1/users/{user.id}"
    return _out(user, response)


@router.get(
    "/me",
    summary="The signed-in user",
    description="The profile of the user the token belongs to (403 for machine clients).",
    responses=problems(401, 403, 404),
)
async def get_me(session: SessionDep, principal: PrincipalDep, response: Response) -> UserOut:
    return _out(await service.me(session, principal), response)


async def change_my_password(
    body: PasswordChange, session: SessionDep, principal: PrincipalDep, passwords: PasswordsDep
) -> Response:
    await service.change_password(session, principal, passwords, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Without Idempotency-Key: nothing derived from the passwords in the body is stored.
router.add_api_route(
    "/me/password",
    change_my_password,
    methods=["POST"],
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Change my password",
    description="The current password, then the new one (10–128 characters, a letter, a "
    "digit or symbol, 4 different characters, not containing the username). A wrong current "
    "password answers 422 naming `current_password`. Tokens already issued stay valid until "
    "they expire.",
    responses=problems(401, 403, 415, 422),
    route_class_override=NoReplayRoute,
)


@router.get(
    "/{user_id:id}",
    summary="Get a staff user",
    description="404 outside the caller's subtree. Carries an `ETag` for `If-Match`.",
    responses=problems(401, 403, 404),
)
async def get_user(
    user_id: uuid.UUID, session: SessionDep, principal: Reader, response: Response
) -> UserOut:
    return _out(await service.get(session, principal, user_id), response)


@router.patch(
    "/{user_id:id}",
    summary="Change, disable or enable a staff user",
    description="Only the fields sent change. `active: false` disables the user: no new "
    "tokens; tokens already issued expire within the token lifetime (15 minutes by "
    "default). `password` resets the password. Users holding a role the caller cannot "
    "grant (a sector_admin, for an org_admin) cannot be changed by them; nobody changes "
    "their own roles, organization or `active`. Honours `If-Match`.",
    responses=problems(401, 403, 404, 409, 412, 422),
)
async def update_user(
    user_id: uuid.UUID,
    body: UserUpdate,
    session: SessionDep,
    principal: Writer,
    passwords: PasswordsDep,
    request: Request,
    response: Response,
) -> UserOut:
    user = await service.get(session, principal, user_id)
    check_if_match(request, user.id, user.updated_at)
    user = await service.update(session, principal, passwords, user, body)
    return _out(user, response)
