"""`POST /v1/auth/token` (OAuth2, RFC 6749) and `GET /.well-known/jwks.json`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response

from services.common.app import new_router
from services.common.forms import FORM_MEDIA_TYPE, AmbiguousFormError, parse_token_form
from services.common.inputcheck import check_urlencoded, is_urlencoded
from services.common.keys import published_jwks
from services.common.problems import Problem
from services.directory.api.deps import NoReplayRoute, TokenContextDep
from services.directory.errors import OAuthError
from services.directory.schemas.auth import Jwks, TokenForm, TokenOut
from services.directory.schemas.common import problems
from services.directory.service import tokens as service

router = new_router(tags=["auth"])

GRANTS_DESCRIPTION = """\
OAuth2 token endpoint (form body, `application/x-www-form-urlencoded`).

* `grant_type=password` — staff: `username`, `password`.
* `grant_type=client_credentials` — machine clients: `client_id` and `client_secret` as form
  fields or HTTP Basic (not both); optional `scope` narrows the client's scopes.

Answers a short-lived EdDSA JWT (`kid` header; verify with `/.well-known/jwks.json`).
Failures are problem documents that also carry the RFC 6749 `error` and
`error_description`: wrong credentials answer **401** (`invalid_grant` for staff,
`invalid_client` for clients); a malformed request 400 (`invalid_request`,
`unsupported_grant_type`, `invalid_scope`; `invalid_request` also for a body that is not
exactly one urlencoded form: multipart, another media type, or a field sent twice). Five
sign-in attempts for a username within 15 minutes lock it for 5 minutes (the fifth is still
checked; failed, it answers 401 with `Retry-After`), whether the account exists or not.
Disabled users and clients, and those of an inactive organization, get no token; tokens
already issued stay valid until they expire.

Password checks are bounded (one Argon2id hash per CPU at once, a short queue, a wait of
at most `GOVHUB_PASSWORD_HASH_WAIT_SECONDS`): a sign-in beyond them answers **503**
(`temporarily_unavailable`) with `Retry-After: 1` at once, its password unchecked and its
attempt not counted; send it again after that many seconds.
"""


async def token_form(request: Request) -> dict[str, str]:
    """The form, read once by the parser the gateway uses too: a multipart body, another
    media type or a field sent twice is 400 `invalid_request`, never a guess."""
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if is_urlencoded(content_type):  # the kernel's rule: no NUL, valid UTF-8 (422/400)
        check_urlencoded(body, where_ar="نص النموذج", where_en="form body")
    try:
        return parse_token_form(content_type, body)
    except AmbiguousFormError as exc:
        raise OAuthError("invalid_request", exc.reason_ar, exc.reason_en) from exc


async def issue_token(
    context: TokenContextDep,
    response: Response,
    form: Annotated[dict[str, str], Depends(token_form)],
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenOut:
    token_request = service.TokenRequest(
        grant_type=form.get("grant_type") or None,
        username=form.get("username"),
        password=form.get("password"),
        client_id=form.get("client_id"),
        client_secret=form.get("client_secret"),
        scope=form.get("scope"),
        authorization=authorization,
    )
    token = await service.grant(context, token_request)
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
    responses={
        **problems(400, 401),
        503: {
            "model": Problem,
            "description": "Too many password checks at once: nothing was checked, the "
            "attempt is not counted; retry after `Retry-After` seconds (problem details).",
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before sending the sign-in again.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        },
    },
    route_class_override=NoReplayRoute,
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "content": {FORM_MEDIA_TYPE: {"schema": TokenForm.model_json_schema()}},
        },
    },
)


@router.get(
    "/.well-known/jwks.json",
    summary="Keys that verify the tokens",
    description="The public Ed25519 keys (JWK, `kid` as in the token header) that verify "
    "the tokens govhub signs: the signing key first, then, during a key rotation, the earlier "
    "keys listed in `GOVHUB_JWT_PREVIOUS_PUBLIC_KEYS`.",
    openapi_extra={"security": []},
)
async def jwks(request: Request, response: Response) -> Jwks:
    response.headers["Cache-Control"] = "public, max-age=300"
    state = request.app.state
    return Jwks.model_validate({"keys": published_jwks(state.settings, state.signing_key)})
