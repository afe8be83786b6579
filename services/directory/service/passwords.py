"""Password and client-secret hashing (the password rule itself is `domain/passwords.py`).

Staff passwords are hashed with Argon2id, at the cost `GOVHUB_PASSWORD_HASH_PROFILE` names:
`owasp` by default (19 MiB, 2 passes, 1 lane: the OWASP Password Storage Cheat Sheet's
minimum for Argon2id, ~0.03–0.05 s a check on one core) or `rfc9106-low-memory` (64 MiB, 3
passes, 4 lanes: RFC 9106 §4's second recommended option, ~0.4 s of two cores here); the
cheapest only when `GOVHUB_ENVIRONMENT=test`. The default is the cheaper one because a
sign-in is checked online, under a time bound: on a 2-CPU directory `owasp` checks about
fifty failed sign-ins a second and answers each with 401, where the RFC profile checks two
and answers a burst's others 503. A stored hash of the other profile still verifies, and is
re-hashed at its next successful sign-in. Hashing runs in a worker thread so the event loop
keeps serving. An unknown username is verified against a dummy hash so a sign-in takes
about as long whether the account exists or not.

The hashing work of a process is bounded (`HashGate`). One Argon2id hash runs as many
threads as its profile has lanes, so hashes run at once one per that many CPUs, at least one
(`GOVHUB_PASSWORD_HASH_SLOTS`), on threads below the event loop's priority; no more wait for
a slot than can start within `GOVHUB_PASSWORD_HASH_WAIT_SECONDS` at the recent pace of
hashing (and at most `GOVHUB_PASSWORD_HASH_QUEUE`, by default 64 per slot). Beyond that
the check is refused at once with `HashingBusy` (503, `Retry-After`): a flood of failed
sign-ins costs each extra attempt a fast 503 instead of a queue that makes every sign-in
wait behind it.

Client secrets are 256 random bits (`secrets.token_urlsafe(32)`), stored as SHA-256: a
secret that long cannot be guessed, so a slow hash would only slow every token request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import Parameters, PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from services.common.errors import DomainError
from services.common.i18n import TITLES
from services.common.settings import GovhubSettings

T = TypeVar("T")
# The OWASP Password Storage Cheat Sheet's minimum for Argon2id: m=19 MiB, t=2, p=1.
OWASP = Parameters(
    type=Type.ID,
    version=19,
    salt_len=16,
    hash_len=32,
    time_cost=2,
    memory_cost=19 * 1024,
    parallelism=1,
)
PROFILES = {"owasp": OWASP, "rfc9106-low-memory": RFC_9106_LOW_MEMORY}
QUEUE_PER_SLOT = 64  # the queue's hard bound when unset; the wait bound admits fewer
BUSY_RETRY_AFTER_SECONDS = 1
# Hashing threads run at this niceness (and so do the threads Argon2id starts from them):
# while hashes keep the cores busy, the event loop still answers at once — the 503s of a
# flood, the lockout's 401s and everyone else's requests.
HASH_THREAD_NICENESS = 10
TITLES.update({"busy": ("الخدمة مشغولة حالياً", "Too busy right now")})

SECRET_SCHEME = "sha256$"  # noqa: S105 (a hash prefix)
# The stored hash of a user created without a password (by a machine client, or by an
# administrator who leaves it to be set later): no password verifies against it.
NO_PASSWORD = "!no-password"  # noqa: S105 (a marker, not a hash of anything)


class HashingBusy(DomainError):
    """Every hashing slot is taken and the queue is full, or the wait ran out: 503."""

    def __init__(self) -> None:
        super().__init__(
            "الخدمة مشغولة بالتحقق من كلمات المرور؛ أعد المحاولة بعد ثانية",
            "Too many password checks at once; try again in a second",
            "busy",
            503,
            headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
        )


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _lower_priority() -> None:
    with contextlib.suppress(AttributeError, OSError):  # not on Linux, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICENESS)


class HashGate:
    """At most `slots` hashes at once, at most `queue` callers waiting (first come, first
    served), each for at most `wait_seconds`; anyone beyond gets `HashingBusy` at once.

    Hashes run on the gate's own threads, one per slot, below the event loop's priority. A
    slot is held until its hash's thread has finished, even when the caller has gone (a
    thread cannot be stopped), so the CPU work never exceeds the slots."""

    def __init__(
        self, slots: int, queue: int, wait_seconds: float, hash_seconds: float = 0.0
    ) -> None:
        self.slots = slots
        self.queue = queue
        self.wait_seconds = wait_seconds
        self.hash_seconds = hash_seconds  # how long a hash takes: a moving average
        self._free = slots
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._admitted = 0
        self._threads = ThreadPoolExecutor(
            slots, thread_name_prefix="password-hash", initializer=_lower_priority
        )

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        """A place for one sign-in, taken before its database work: at most `slots +
        queue` sign-ins are on their way to a hash at once, and no more than can start
        hashing within `wait_seconds` at the recent pace of hashing; the others are refused
        with `HashingBusy` at once, before they cost a database round trip or a wait that
        would end in a refusal anyway."""
        if self._admitted >= self.slots + self.queue or self.expected_wait() > self.wait_seconds:
            raise HashingBusy
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    def expected_wait(self) -> float:
        """How long one more sign-in would wait for a slot behind those admitted."""
        rounds = -(-(self._admitted - self.slots + 1) // self.slots)  # ceiling, ≥ 0 ahead
        return max(0, rounds) * self.hash_seconds

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    @property
    def running(self) -> int:
        return self.slots - self._free

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def run(self, work: Callable[..., T], *args: object) -> T:
        await self._acquire()
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            job = loop.run_in_executor(self._threads, work, *args)
        except BaseException:
            self._release()
            raise
        job.add_done_callback(lambda done: self._finished(done, loop.time() - started))
        return await asyncio.shield(job)

    def _finished(self, job: asyncio.Future[Any], seconds: float) -> None:
        self._release()
        self.hash_seconds = 0.7 * self.hash_seconds + 0.3 * seconds
        if not job.cancelled():
            job.exception()  # retrieved here when the caller has gone

    async def _acquire(self) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        if len(self._waiting) >= self.queue:
            raise HashingBusy
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting.append(turn)
        timer = loop.call_later(self.wait_seconds, self._expire, turn)
        try:
            await turn  # a slot handed over by `_release`, or HashingBusy from `_expire`
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self._release()  # handed a slot just as the caller went away
            raise
        finally:
            timer.cancel()
            if turn in self._waiting:
                self._waiting.remove(turn)

    def _expire(self, turn: asyncio.Future[None]) -> None:
        if not turn.done():
            turn.set_exception(HashingBusy())
        if turn in self._waiting:
            self._waiting.remove(turn)

    def _release(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot goes straight to the next in line
                return
        self._free += 1


class Passwords:
    """The hasher of one process, built in the app's lifespan (or by the bootstrap)."""

    def __init__(self, settings: GovhubSettings) -> None:
        profile = (
            CHEAPEST if settings.environment == "test" else PROFILES[settings.password_hash_profile]
        )
        self.hasher = PasswordHasher.from_parameters(profile)
        started = time.perf_counter()
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        first_hash_seconds = time.perf_counter() - started
        # one Argon2id hash runs `parallelism` threads: that many CPUs each
        parallelism = self.hasher.parallelism
        slots = settings.password_hash_slots or max(1, available_cpus() // parallelism)
        queue = settings.password_hash_queue
        self.gate = HashGate(
            slots,
            QUEUE_PER_SLOT * slots if queue is None else queue,
            settings.password_hash_wait_seconds,
            first_hash_seconds,
        )

    def close(self) -> None:
        self.gate.close()

    async def hash(self, password: str) -> str:
        """The password's hash; `HashingBusy` when the hashing is at capacity."""
        return await self.gate.run(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether `password` matches; with no hash, spends the same time and says no.
        `HashingBusy` when the hashing is at capacity (nothing was checked)."""
        return await self.gate.run(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            self.hasher.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)


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
