"""The token endpoint, the published keys, and what every service refuses."""

from __future__ import annotations

import base64
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from services.common.auth import TokenVerifier
from services.common.errors import Unauthorized
from services.common.keys import SigningKey
from services.common.models import IdempotencyKey
from services.directory.service.tokens import LOGIN_FAILURE_LIMIT
from tests.directory.conftest import PASSWORD, Tree, problem

TOKEN = "/v1/auth/token"


def _password(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


async def test_password_grant_claims_and_jwks(tree: Tree):
    response = await tree.http.post(TOKEN, data=_password("X.Admin"))  # usernames ignore case
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    token = body["access_token"]

    jwks = (await tree.http.get("/.well-known/jwks.json")).json()
    key = jwt.PyJWKSet.from_dict(jwks).keys[0]
    assert jwt.get_unverified_header(token)["kid"] == key.key_id
    claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience="govhub", issuer="govhub")
    assert claims["sub"] == tree.users["x.admin"]
    assert claims["org"] == tree.orgs["X"]
    assert claims["roles"] == ["org_admin"]
    assert claims["typ_principal"] == "user"
    assert claims["preferred_username"] == "x.admin"
    assert claims["exp"] - claims["iat"] == 900 and claims["nbf"] == claims["iat"]
    assert uuid.UUID(hex=claims["jti"])


async def test_client_credentials_by_form_and_basic(tree: Tree):
    info = tree.clients["x.reader"]
    form = await tree.http.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": info.client_id,
            "client_secret": info.secret,
        },
    )
    assert form.status_code == 200 and form.json()["scope"] == "directory:read"
    basic = base64.b64encode(f"{info.client_id}:{info.secret}".encode()).decode()
    by_basic = await tree.http.post(
        TOKEN,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert by_basic.status_code == 200, by_basic.text
    claims = jwt.decode(by_basic.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == info.client_id and claims["typ_principal"] == "client"
    assert claims["scope"] == "directory:read" and claims["roles"] == []
    assert claims["org"] == tree.orgs["X"]


async def test_client_scope_can_be_narrowed_not_widened(tree: Tree):
    info = tree.clients["x.writer"]
    data = {
        "grant_type": "client_credentials",
        "client_id": info.client_id,
        "client_secret": info.secret,
    }
    narrow = await tree.http.post(TOKEN, data=data | {"scope": "directory:read"})
    assert narrow.status_code == 200 and narrow.json()["scope"] == "directory:read"
    wide = await tree.http.post(TOKEN, data=data | {"scope": "directory:read calendar:write"})
    body = problem(wide, 400, "invalid_scope")
    assert body["error"] == "invalid_scope"


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
        ({"grant_type": "password", "username": "x.admin"}, 400, "invalid_request"),
        (_password("x.admin", "Wrong-Password-1"), 401, "invalid_grant"),
        (_password("nobody.here"), 401, "invalid_grant"),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
        (
            {
                "grant_type": "client_credentials",
                "client_id": "ghc_unknown",
                "client_secret": "x" * 43,
            },
            401,
            "invalid_client",
        ),
    ],
)
async def test_token_errors_are_oauth2_problems(tree: Tree, data, status, error):
    response = await tree.http.post(TOKEN, data=data, headers={"Accept-Language": "en"})
    body = problem(response, status, error)
    assert body["error"] == error and body["error_description"]
    assert response.headers["cache-control"] == "no-store"


async def test_unknown_user_and_wrong_password_look_the_same(tree: Tree):
    wrong = await tree.http.post(TOKEN, data=_password("x.agent", "Wrong-Password-1"))
    unknown = await tree.http.post(TOKEN, data=_password("no.such.user", "Wrong-Password-1"))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_client_auth_problems(tree: Tree):
    info = tree.clients["x.reader"]
    bad = base64.b64encode(f"{info.client_id}:wrong".encode()).decode()
    response = await tree.http.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {bad}"}
    )
    problem(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")
    good = base64.b64encode(f"{info.client_id}:{info.secret}".encode()).decode()
    both = await tree.http.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": info.client_id,
            "client_secret": info.secret,
        },
        headers={"Authorization": f"Basic {good}"},
    )
    problem(both, 400, "invalid_request")


async def test_failed_sign_ins_lock_the_username(tree: Tree):
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        problem(
            await tree.http.post(TOKEN, data=_password("x.agent", "Wrong-Password-1")),
            401,
            "invalid_grant",
        )
    locked = await tree.http.post(TOKEN, data=_password("x.agent", "Wrong-Password-1"))
    problem(locked, 401, "invalid_grant")
    assert int(locked.headers["retry-after"]) > 0
    # now even the right password is refused until the lock ends
    refused = await tree.http.post(TOKEN, data=_password("x.agent"))
    problem(refused, 401, "invalid_grant")
    assert "retry-after" in refused.headers
    # other users are not affected
    assert (await tree.http.post(TOKEN, data=_password("x.admin"))).status_code == 200


async def test_unknown_usernames_lock_the_same_way(tree: Tree):
    for _ in range(LOGIN_FAILURE_LIMIT):
        await tree.http.post(TOKEN, data=_password("ghost.user", "Wrong-Password-1"))
    locked = await tree.http.post(TOKEN, data=_password("ghost.user", "Wrong-Password-1"))
    assert locked.status_code == 401 and "retry-after" in locked.headers


async def test_success_clears_the_failure_count(tree: Tree):
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        await tree.http.post(TOKEN, data=_password("x.agent", "Wrong-Password-1"))
    assert (await tree.http.post(TOKEN, data=_password("x.agent"))).status_code == 200
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        await tree.http.post(TOKEN, data=_password("x.agent", "Wrong-Password-1"))
    assert (await tree.http.post(TOKEN, data=_password("x.agent"))).status_code == 200


async def test_disabled_user_client_and_organization_get_no_token(tree: Tree):
    user = tree.users["x.agent"]
    assert (
        await tree.request("x.admin", "PATCH", f"/v1/users/{user}", {"active": False})
    ).status_code == 200
    problem(await tree.http.post(TOKEN, data=_password("x.agent")), 401, "invalid_grant")
    assert (
        await tree.request("x.admin", "PATCH", f"/v1/users/{user}", {"active": True})
    ).status_code == 200
    assert (await tree.http.post(TOKEN, data=_password("x.agent"))).status_code == 200

    info = tree.clients["x.reader"]
    data = {
        "grant_type": "client_credentials",
        "client_id": info.client_id,
        "client_secret": info.secret,
    }
    assert (
        await tree.request("x.admin", "PATCH", f"/v1/api-clients/{info.id}", {"active": False})
    ).status_code == 200
    problem(await tree.http.post(TOKEN, data=data), 401, "invalid_client")

    child_agent = await tree.request(
        "x.admin",
        "POST",
        "/v1/users",
        {
            "username": "c.user",
            "full_name_ar": "موظف",
            "organization_id": tree.orgs["C"],
            "roles": ["agent"],
            "password": PASSWORD,
        },
    )
    assert child_agent.status_code == 201
    assert (
        await tree.request(
            "x.admin", "PATCH", f"/v1/organizations/{tree.orgs['C']}", {"active": False}
        )
    ).status_code == 200
    problem(await tree.http.post(TOKEN, data=_password("c.user")), 401, "invalid_grant")


async def test_token_endpoint_never_stores_or_replays_tokens(tree: Tree):
    headers = {"Idempotency-Key": "token-retry"}
    first = await tree.http.post(TOKEN, data=_password("x.admin"), headers=headers)
    again = await tree.http.post(TOKEN, data=_password("x.admin"), headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["access_token"] != again.json()["access_token"]
    async with tree.http.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
        stored = await session.scalar(select(func.count()).select_from(IdempotencyKey))
    assert stored == 0


# ------------------------------------------------------------------ tokens that must fail


def _forge(tree: Tree, **changes) -> str:
    settings = tree.http.app.state.settings  # type: ignore[attr-defined]
    key: SigningKey = tree.http.app.state.signing_key  # type: ignore[attr-defined]
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": tree.users["sector"],
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "org": tree.orgs["P"],
        "roles": ["sector_admin"],
        "typ_principal": "user",
    }
    signer = changes.pop("signer", key.private_key)
    kid = changes.pop("kid", key.kid)
    claims.update(changes)
    return jwt.encode(claims, signer, algorithm="EdDSA", headers={"kid": kid})


def _alg_none(tree: Tree) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    valid = _forge(tree)
    payload = valid.split(".")[1]
    return f"{header}.{payload}."


BAD_TOKENS = {
    "alg none": _alg_none,
    "wrong key, same kid": lambda t: _forge(t, signer=Ed25519PrivateKey.generate()),
    "wrong key and kid": lambda t: _forge(t, signer=Ed25519PrivateKey.generate(), kid="other"),
    "wrong issuer": lambda t: _forge(t, iss="someone-else"),
    "wrong audience": lambda t: _forge(t, aud="another-api"),
    "expired": lambda t: _forge(t, exp=int(time.time()) - 3600, iat=int(time.time()) - 4000),
    "not yet valid": lambda t: _forge(t, nbf=int(time.time()) + 3600),
    "hs256 with the public key": lambda t: jwt.encode(
        {
            "sub": "x",
            "iss": "govhub",
            "aud": "govhub",
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
        },
        "not-the-key-but-long-enough-for-hmac-32b",
        algorithm="HS256",
        headers={"kid": t.http.app.state.signing_key.kid},
    ),
    "garbage": lambda t: "not.a.jwt",
}


@pytest.mark.parametrize("name", list(BAD_TOKENS))
async def test_bad_tokens_get_401_at_the_service(tree: Tree, name):
    token = BAD_TOKENS[name](tree)
    for path in ("/v1/organizations", "/v1/users/me"):
        response = await tree.http.get(path, headers={"Authorization": f"Bearer {token}"})
        problem(response, 401, "invalid_token")
    # the well-formed forgery with the right key works, so the checks above are meaningful
    good = await tree.http.get(
        "/v1/organizations", headers={"Authorization": f"Bearer {_forge(tree)}"}
    )
    assert good.status_code == 200


@pytest.mark.parametrize("name", list(BAD_TOKENS))
async def test_token_verifier_refuses_bad_tokens(tree: Tree, name):
    """The verifier every service builds in its lifespan (services.common.auth)."""
    app = tree.http.app  # type: ignore[attr-defined]
    verifier = TokenVerifier(app.state.settings, app.state.signing_key)
    with pytest.raises(Unauthorized):
        await verifier.verify(BAD_TOKENS[name](tree))
    principal = await verifier.verify(_forge(tree))
    assert principal.is_sector_admin and principal.kind == "user"


async def test_a_real_token_verifies_in_another_services_verifier(tree: Tree):
    app = tree.http.app  # type: ignore[attr-defined]
    verifier = TokenVerifier(app.state.settings, app.state.signing_key)
    principal = await verifier.verify(tree.tokens["x.reader"])
    assert principal.kind == "client" and principal.scopes == {"directory:read"}
    assert principal.can("organizations:read") and not principal.can("organizations:write")
    assert str(principal.organization_id) == tree.orgs["X"]
