"""The Argon2id profile of new password hashes (`GOVHUB_PASSWORD_HASH_PROFILE`, issue 23):
`owasp` by default, `rfc9106-low-memory` on request, the cheapest in tests; the hashing
bound follows the profile's lanes; a stored hash of another profile still verifies and is
re-hashed at its next successful sign-in. Parameters are read back by argon2-cffi's own
parser of the encoded hash, not by ours."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY
from sqlalchemy import text

from services.common.db import session_scope
from services.common.settings import GovhubSettings
from services.directory.app import create_app
from services.directory.service.passwords import (
    OWASP,
    QUEUE_PER_SLOT,
    Passwords,
    available_cpus,
)
from tests.directory.conftest import PASSWORD, build_tree


def _passwords(settings: GovhubSettings, **overrides: object) -> Passwords:
    return Passwords(settings.model_copy(update=overrides))


async def test_owasp_is_the_default_profile_with_a_slot_per_cpu(settings):
    passwords = _passwords(settings, environment="development")
    try:
        stored = await passwords.hash("Kalimat-Sirr-2026")
        parameters = extract_parameters(stored)
        assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
            19 * 1024,
            2,
            1,
        )
        assert parameters == OWASP
        assert passwords.gate.slots == available_cpus()  # one lane each
        assert passwords.gate.queue == QUEUE_PER_SLOT * passwords.gate.slots
        assert await passwords.verify(stored, "Kalimat-Sirr-2026")
        assert not await passwords.verify(stored, "Kalimat-Sirr-2027")
    finally:
        passwords.close()


async def test_the_rfc_profile_on_request_with_a_slot_per_four_cpus(settings):
    passwords = _passwords(
        settings, environment="development", password_hash_profile="rfc9106-low-memory"
    )
    try:
        stored = await passwords.hash("Kalimat-Sirr-2026")
        assert extract_parameters(stored) == RFC_9106_LOW_MEMORY
        assert passwords.gate.slots == max(1, available_cpus() // 4)
    finally:
        passwords.close()


async def test_a_hash_of_the_other_profile_verifies_and_is_marked_for_rehash(settings):
    rfc = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY).hash("Kalimat-Sirr-2026")
    passwords = _passwords(settings, environment="development")
    try:
        assert await passwords.verify(rfc, "Kalimat-Sirr-2026")
        assert passwords.needs_rehash(rfc)
        assert not passwords.needs_rehash(await passwords.hash("Kalimat-Sirr-2026"))
    finally:
        passwords.close()


async def test_a_sign_in_rehashes_a_hash_of_another_profile(make_client):
    """Tests hash with the cheapest profile: a user whose stored hash is OWASP's signs in,
    and the stored hash is then the running profile's, still verifying the password."""
    http = await make_client(create_app)
    tree = await build_tree(http)
    app = http.app
    owasp_hash = PasswordHasher.from_parameters(OWASP).hash(PASSWORD)
    async with session_scope(app.state.sessionmaker) as session:
        await session.execute(
            text("UPDATE directory_user SET password_hash = :h WHERE username = 'x.agent'"),
            {"h": owasp_hash},
        )
    answer = await tree.http.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": "x.agent", "password": PASSWORD},
    )
    assert answer.status_code == 200, answer.text
    async with session_scope(app.state.sessionmaker) as session:
        stored = (
            await session.execute(
                text("SELECT password_hash FROM directory_user WHERE username = 'x.agent'")
            )
        ).scalar_one()
    assert stored != owasp_hash
    assert extract_parameters(stored) == CHEAPEST
    PasswordHasher.from_parameters(CHEAPEST).verify(stored, PASSWORD)
