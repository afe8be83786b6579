"""Password and client-secret hashing, and the password rule.

Staff passwords are hashed with Argon2id (argon2-cffi's RFC 9106 low-memory profile; the
cheapest profile only when `GOVHUB_ENVIRONMENT=test`). Hashing runs in a worker thread so
the event loop keeps serving. An unknown username is verified against a dummy hash so a
sign-in takes about as long whether the account exists or not.

Client secrets are 256 random bits (`secrets.token_urlsafe(32)`), stored as SHA-256: a
secret that long cannot be guessed, so a slow hash would only slow every token request.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from services.common.settings import GovhubSettings

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
STRENGTH_RULE_AR = (
    "كلمة المرور من 10 إلى 128 حرفاً، فيها حرف واحد على الأقل ورقم أو رمز واحد على الأقل "
    "وأربعة أحرف مختلفة على الأقل، ولا تتضمن اسم المستخدم"
)
STRENGTH_RULE_EN = (
    "A password has 10 to 128 characters, at least one letter, at least one digit or "
    "symbol, at least 4 different characters, and does not contain the username"
)
SECRET_SCHEME = "sha256$"  # noqa: S105 (a hash prefix)
# The stored hash of a user created without a password (by a machine client, or by an
# administrator who leaves it to be set later): no password verifies against it.
NO_PASSWORD = "!no-password"  # noqa: S105 (a marker, not a hash of anything)


class Passwords:
    """The hasher of one process, built in the app's lifespan (or by the bootstrap)."""

    def __init__(self, settings: GovhubSettings) -> None:
        profile = CHEAPEST if settings.environment == "test" else RFC_9106_LOW_MEMORY
        self.hasher = PasswordHasher.from_parameters(profile)
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with no hash, spends the same time and says no."""
        return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            self.hasher.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


def password_problem(password: str, username: str | None) -> tuple[str, str] | None:
    """The (Arabic, English) reason a password breaks the rule, or None when it is fine."""
    has_letter = any(c.isalpha() for c in password)
    has_other = any(not c.isalpha() for c in password)
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return STRENGTH_RULE_AR, STRENGTH_RULE_EN
    if not (has_letter and has_other) or len(set(password)) < 4:
        return STRENGTH_RULE_AR, STRENGTH_RULE_EN
    if username and len(username) >= 3 and username.lower() in password.lower():
        return STRENGTH_RULE_AR, STRENGTH_RULE_EN
    return None


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def new_client_id() -> str:
    return "ghc_" + secrets.token_hex(12)


def hash_secret(secret: str) -> str:
    return SECRET_SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """Constant-time comparison; a missing client compares against a dummy and fails."""
    candidate = hash_secret(secret)
    expected = secret_hash if secret_hash and secret_hash.startswith(SECRET_SCHEME) else None
    same = hmac.compare_digest(candidate.encode(), (expected or SECRET_SCHEME + "0" * 64).encode())
    return same and expected is not None


def derived_secret(seed: str, client_id: str) -> str:
    """A deterministic 256-bit secret (the demo client's, so the README can show it)."""
    digest = hmac.new(seed.encode(), f"govhub-demo-client:{client_id}".encode(), "sha256")
    return digest.hexdigest()
