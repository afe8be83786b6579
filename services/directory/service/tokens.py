"""The OAuth2 token endpoint's rules: password and client_credentials grants, short-lived
EdDSA JWTs, and a short lock after repeated failed sign-ins.

Sign-in attempts are counted per username — existing or not, so a lock says nothing about
whether an account exists — in `directory_login_throttle`, before the password is
checked, by one atomic upsert in a committed unit of work of its own: concurrent attempts
get distinct numbers, so however many arrive at once only five are ever checked. The
fifth attempt within 15 minutes locks the username for 5 minutes (it is still checked;
if it fails it answers the lock); while locked every attempt is refused without checking
the password; a successful sign-in clears the count. The gateway additionally limits the
token endpoint per IP and per username.

No step holds a pooled connection while the password is checked (Argon2id in a worker
thread) or while it waits for another connection: ten failed sign-ins at once used to
hold the ten connections of the pool and each wait for an eleventh.

The password checks of a process are bounded (`passwords.HashGate`: one Argon2id hash per
CPU at once, a short queue, a short wait): a sign-in beyond them answers 503
`temporarily_unavailable` with `Retry-After` at once, and its attempt is given back (its
password was not checked), so a flood of failed sign-ins is answered fast instead of
queueing every sign-in behind it.

A disabled user or client, or one whose organization is inactive, gets no token. Tokens
already issued stay valid until they expire (`GOVHUB_JWT_TTL_SECONDS`, 15 minutes by
default): services verify tokens offline, without asking the directory.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

import jwt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.db import session_scope
from services.common.keys import SigningKey
from services.common.settings import GovhubSettings
from services.directory.errors import OAuthError
from services.directory.repository import api_clients as client_repo
from services.directory.repository import users as user_repo
from services.directory.schemas.auth import TokenOut
from services.directory.service.passwords import (
    BUSY_RETRY_AFTER_SECONDS,
    HashingBusy,
    Passwords,
    verify_secret,
)

LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_LOCK = timedelta(minutes=5)
_USERNAME_KEY_LENGTH = 100


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str | None
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None
    authorization: str | None = None  # the Authorization header, for HTTP Basic


@dataclass(frozen=True)
class TokenContext:
    settings: GovhubSettings
    signing_key: SigningKey
    passwords: Passwords
    sessionmaker: async_sessionmaker[AsyncSession]
    autocommit: async_sessionmaker[AsyncSession]  # each statement its own transaction


def sign(
    context: TokenContext,
    *,
    subject: str,
    kind: str,
    organization_id: uuid.UUID,
    username: str,
    roles: list[str],
    scopes: list[str],
) -> TokenOut:
    settings = context.settings
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + settings.jwt_ttl_seconds,
        "jti": uuid.uuid4().hex,
        "org": str(organization_id),
        "roles": roles,
        "scope": " ".join(scopes),
        "typ_principal": kind,
        "preferred_username": username,
    }
    token = jwt.encode(
        claims,
        context.signing_key.private_key,
        algorithm="EdDSA",
        headers={"kid": context.signing_key.kid},
    )
    return TokenOut(
        access_token=token,
        token_type="Bearer",  # noqa: S106 (the token type, not a secret)
        expires_in=settings.jwt_ttl_seconds,
        scope=" ".join(scopes) if kind == "client" else None,
    )


async def grant(context: TokenContext, request: TokenRequest) -> TokenOut:
    """Checks the credentials and signs a token. Takes no request session: each step that
    needs the database opens its own short unit of work and gives the connection back
    before the (slow, threaded) password check, so a sign-in holds at most one pooled
    connection at a time and never while it waits for another."""
    if not request.grant_type:
        raise OAuthError("invalid_request", "حدد grant_type", "grant_type is required")
    if request.grant_type == "password":
        return await _password_grant(context, request)
    if request.grant_type == "client_credentials":
        return await _client_credentials_grant(context, request)
    raise OAuthError(
        "unsupported_grant_type",
        "المنح المدعومة: password و client_credentials",
        "Supported grants: password, client_credentials",
    )


# ------------------------------------------------------------------------- password grant


def _bad_credentials() -> OAuthError:
    return OAuthError(
        "invalid_grant",
        "اسم المستخدم أو كلمة المرور غير صحيحة",
        "Wrong username or password",
        status=401,
    )


def _busy() -> OAuthError:
    return OAuthError(
        "temporarily_unavailable",
        f"محاولات دخول كثيرة في هذه اللحظة؛ أعد المحاولة بعد {BUSY_RETRY_AFTER_SECONDS} ثانية",
        f"Too many sign-ins at this moment; try again in {BUSY_RETRY_AFTER_SECONDS} second(s)",
        status=503,
        headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
    )


def _locked(until: datetime) -> OAuthError:
    seconds = max(1, int((until - datetime.now(UTC)).total_seconds()) + 1)
    minutes = (seconds + 59) // 60
    return OAuthError(
        "invalid_grant",
        f"محاولات دخول فاشلة كثيرة؛ حاول بعد {minutes} دقيقة",
        f"Too many failed sign-ins; try again in {minutes} minute(s)",
        status=401,
        headers={"Retry-After": str(seconds)},
    )


async def _password_grant(context: TokenContext, request: TokenRequest) -> TokenOut:
    if not request.username or not request.password:
        raise OAuthError(
            "invalid_request", "أرسل username و password", "username and password are required"
        )
    try:
        with context.passwords.gate.admit():  # or refused before any database work
            return await _checked_password_grant(context, request.username, request.password)
    except HashingBusy as exc:
        raise _busy() from exc


async def _checked_password_grant(context: TokenContext, username: str, password: str) -> TokenOut:
    key = username.strip().lower()[:_USERNAME_KEY_LENGTH]
    # The attempt is counted before its password is checked, by one statement committed on
    # its own (autocommit: the row lock of a username lasts that statement, not a unit of
    # work): concurrent attempts are numbered by the database, and only the first
    # LOGIN_FAILURE_LIMIT of a window are ever checked. One connection, two round trips.
    async with context.autocommit() as session:
        attempt = await user_repo.claim_attempt(
            session, key, limit=LOGIN_FAILURE_LIMIT, window=LOGIN_FAILURE_WINDOW, lock=LOGIN_LOCK
        )
        checked = attempt.number <= LOGIN_FAILURE_LIMIT
        found = await user_repo.for_sign_in(session, key) if checked else None
    if not checked:
        raise _locked(attempt.locked_until or datetime.now(UTC) + LOGIN_LOCK)
    user, organization_active = found if found else (None, False)
    try:
        matches = await context.passwords.verify(user.password_hash if user else None, password)
    except HashingBusy:
        # its wait ran out, nothing was checked: the attempt is given back, and the caller
        # told to retry
        async with context.autocommit() as session:
            await user_repo.release_attempt(session, key, limit=LOGIN_FAILURE_LIMIT)
        raise
    if user is None or not matches:
        if attempt.locked_until is not None:  # this failure was the last one allowed
            raise _locked(attempt.locked_until)
        raise _bad_credentials()
    if not user.active or not organization_active:
        raise OAuthError(
            "invalid_grant",
            "الحساب أو جهته معطّل",
            "The account or its organization is disabled",
            status=401,
        )
    rehash = None
    if context.passwords.needs_rehash(user.password_hash):
        with contextlib.suppress(HashingBusy):  # upgraded at a later sign-in instead
            rehash = await context.passwords.hash(password)
    async with session_scope(context.sessionmaker) as session:
        await user_repo.signed_in(session, user.id, key, rehash)
    return sign(
        context,
        subject=str(user.id),
        kind="user",
        organization_id=user.organization_id,
        username=user.username,
        roles=list(user.roles),
        scopes=[],
    )


# ----------------------------------------------------------------- client credentials grant


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _bad_client(basic=True) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _bad_client(basic=True)
    return unquote_plus(client_id), unquote_plus(secret)


def _bad_client(*, basic: bool) -> OAuthError:
    return OAuthError(
        "invalid_client",
        "معرّف العميل أو سره غير صحيح",
        "Wrong client_id or client_secret",
        status=401,
        headers={"WWW-Authenticate": 'Basic realm="govhub"'} if basic else None,
    )


async def _client_credentials_grant(context: TokenContext, request: TokenRequest) -> TokenOut:
    basic = _basic_credentials(request.authorization)
    in_form = request.client_id is not None or request.client_secret is not None
    if basic and in_form:
        raise OAuthError(
            "invalid_request",
            "استخدم طريقة واحدة لمصادقة العميل",
            "Authenticate the client one way only (HTTP Basic or form fields)",
        )
    client_id, secret = basic or (request.client_id, request.client_secret)
    if not client_id or not secret:
        raise OAuthError(
            "invalid_request",
            "أرسل client_id و client_secret",
            "client_id and client_secret are required",
        )
    async with context.autocommit() as session:
        found = await client_repo.for_token(session, client_id)
    client, organization_active = found if found else (None, False)
    ok = verify_secret(client.secret_hash if client else None, secret)
    if client is None or not ok or not client.active or not organization_active:
        raise _bad_client(basic=basic is not None)
    scopes = list(client.scopes)
    if request.scope:
        wanted = list(dict.fromkeys(request.scope.split()))
        extra = [s for s in wanted if s not in scopes]
        if extra:
            raise OAuthError(
                "invalid_scope",
                f"نطاقات غير ممنوحة لهذا العميل: {' '.join(extra)}",
                f"Scopes not granted to this client: {' '.join(extra)}",
            )
        scopes = wanted
    return sign(
        context,
        subject=client.client_id,
        kind="client",
        organization_id=client.organization_id,
        username=client.client_id,
        roles=[],
        scopes=scopes,
    )
