"""Verified tokens are cached per process, but never past their expiry."""

from __future__ import annotations

import time

import pytest

from services.common.auth import LEEWAY_SECONDS, TokenVerifier
from services.common.errors import Unauthorized
from services.common.keys import load_signing_key
from services.common.settings import GovhubSettings
from tests.common.tokens import mint


async def test_cached_token_is_refused_once_expired(data_dir, monkeypatch):
    settings = GovhubSettings(data_dir=data_dir)
    verifier = TokenVerifier(settings, load_signing_key(settings))
    token = mint(settings, exp=int(time.time()) + 60)
    first = await verifier.verify(token)
    calls: list[str] = []

    async def expired_now(t: str):
        calls.append(t)
        raise Unauthorized()  # what PyJWT answers for this token once its exp has passed

    monkeypatch.setattr(verifier, "_verify_uncached", expired_now)
    assert await verifier.verify(token) == first
    assert calls == []  # served from the cache
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 60 + LEEWAY_SECONDS + 1)
    with pytest.raises(Unauthorized):
        await verifier.verify(token)
    assert calls == [token]  # not served from the cache: checked again, and refused
    with pytest.raises(Unauthorized):
        await verifier.verify(token)  # and the refusal was not cached either
