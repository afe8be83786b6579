"""`POST /v1/auth/token` (OAuth2, RFC 6749) and `GET /.well-known/jwks.json`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Header, Request, Response

from services.common.app import new_router
from services.common.db import SessionDep
from services.directory.api.deps import NoReplayRoute, TokenContextDep
from services.directory.demo_data import DEMO_CLIENT_ID
from services.directory.schemas.auth import Jwks, TokenOut
from services.directory.schemas.common import problems
from services.directory.service import tokens as service

router = new_router(tags=["auth"])
SECRET_FORMAT: dict[str, Any] = {"format": "password"}

GRANTS_DESCRIPTION = """\
OAuth2 token endpoint (form body, `application/x-www-form-urlencoded`).

* `grant_type=password` — staff: `username`, `password`.
* `grant_type=client_credentials` — machine clients: `client_id` and `client_secret` as form
  fields or HTTP Basic (not both); optional `scope` narrows the client's scopes.

Answers a short-lived EdDSA JWT (`kid` header; verify with `/.well-known/jwks.json`).
Failures are problem documents that also carry the RFC 6749 `error` and
`error_description`: wrong credentials answer **401** (`invalid_grant` for staff,
`invalid_client` for clients); a malformed request 400 (`invalid_request`,
`unsupported_grant_type`, `invalid_scope`). Five failed sign-ins for a username within 15
minutes lock it for 5 minutes (401 with `Retry-After`), whether the account exists or not.
Disabled users and clients, and those of an inactive organization, get no token; tokens
already issued stay valid until they expire.
"""


async def issue_token(
    session: SessionDep,
    context: TokenContextDep,
    response: Response,
    grant_type: Annotated[
        str | None, Form(description="`password` or `client_credentials`.")
    ] = None,
    username: Annotated[
        str | None, Form(description="Password grant: the username.", examples=["riyadh.agent"])
    ] = None,
    password: Annotated[
        str | None,
        Form(description="Password grant: the password.", json_schema_extra=SECRET_FORMAT),
    ] = None,
    client_id: Annotated[
        str | None,
        Form(description="Client credentials (unless HTTP Basic).", examples=[DEMO_CLIENT_ID]),
    ] = None,
    client_secret: Annotated[
        str | None,
        Form(
            description="Client credentials (unless HTTP Basic).", json_schema_extra=SECRET_FORMAT
        ),
    ] = None,
    scope: Annotated[
        str | None, Form(description="Space-separated subset of the client's scopes.")
    ] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenOut:
    token_request = service.TokenRequest(
        grant_type=grant_type,
        username=username,
        password=password,
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
        authorization=authorization,
    )
    token = await service.grant(session, context, token_request)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return token


# Added without the Idempotency-Key dependency: a token answer is a credential, never stored.
router.add_api_route(
    "/v1/auth/token",
    issue_token,
    methods=["POST"],
    response_model=TokenOut,
    response_model_exclude_none=True,
    summary="Get an access token",
    description=GRANTS_DESCRIPTION,
    responses=problems(400, 401),
    route_class_override=NoReplayRoute,
    openapi_extra={"security": []},
)


@router.get(
    "/.well-known/jwks.json",
    summary="Keys that verify the tokens",
    description="The public Ed25519 key (JWK, `kid` as in the token header) that verifies "
    "every token govhub signs.",
    openapi_extra={"security": []},
)
async def jwks(request: Request, response: Response) -> Jwks:
    response.headers["Cache-Control"] = "public, max-age=300"
    return Jwks.model_validate({"keys": [request.app.state.signing_key.jwk()]})
