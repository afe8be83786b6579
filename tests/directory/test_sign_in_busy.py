"""The password-hashing work is bounded (issue 23): a burst of sign-ins beyond the hashing
slots and their short queue is answered 503 with `Retry-After` at once, without waiting for
any hash, and the sign-ins inside the bound are answered as usual.

The hash is held on a `threading.Event` instead of timed: "answered while the hash has not
finished" is the property, with no clock in the assertions (the figures under production
Argon2id are measured by `bench/sign_in.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import httpx
import pytest

from services.directory.app import create_app
from services.directory.service.passwords import HashGate, HashingBusy
from tests.directory.conftest import PASSWORD, Tree, build_tree, problem

TOKEN = "/v1/auth/token"
STALL = 20  # a deadlock detector only


def _form(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


class HeldHashes:
    """Replaces the directory's password check by one that waits for `release()`."""

    def __init__(self, tree: Tree, monkeypatch: pytest.MonkeyPatch) -> None:
        self.passwords = tree.http.app.state.passwords  # type: ignore[attr-defined]
        self.event = threading.Event()
        real = self.passwords._verify

        def held(password_hash: str | None, password: str) -> bool:
            self.event.wait(STALL)
            return bool(real(password_hash, password))

        monkeypatch.setattr(self.passwords, "_verify", held)

    def release(self) -> None:
        self.event.set()


async def _until(condition, what: str) -> None:
    for _ in range(STALL * 20):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def _busy(answer: httpx.Response) -> None:
    body = problem(answer, 503, "temporarily_unavailable")
    assert body["error"] == "temporarily_unavailable"  # RFC 6749's word, as every token error
    assert answer.headers["retry-after"] == "1"
    assert answer.headers["cache-control"] == "no-store"


async def _tree(make_client, **gate: float) -> Tree:
    overrides = {f"password_hash_{name}": value for name, value in gate.items()}
    return await build_tree(await make_client(create_app, **overrides))


@pytest.fixture
def release_on_exit() -> Iterator[list[HeldHashes]]:
    held: list[HeldHashes] = []
    yield held
    for h in held:  # never leave a worker thread waiting when a test fails
        h.release()


async def test_a_burst_beyond_the_cap_gets_503s_at_once_and_the_rest_their_answer(
    make_client, monkeypatch, release_on_exit
):
    tree = await _tree(make_client, slots=1, queue=1, wait_seconds=STALL)
    held = HeldHashes(tree, monkeypatch)
    release_on_exit.append(held)
    # the right password first: it holds the one slot
    tasks = [asyncio.ensure_future(tree.http.post(TOKEN, data=_form("x.agent", PASSWORD)))]
    await _until(lambda: held.passwords.gate.running == 1, "the first hash")
    forms = [_form(f"ghost{i}.user", "Wrong-Password-1") for i in range(9)]
    tasks += [asyncio.ensure_future(tree.http.post(TOKEN, data=form)) for form in forms]
    # one hash running, one waiting: the other eight are answered while nothing is hashed
    gate = held.passwords.gate
    await _until(
        lambda: sum(t.done() for t in tasks) == 8 and gate.waiting == 1,
        "eight answers, and one check waiting for the slot",
    )
    assert gate.running == 1
    busy = [t.result() for t in tasks if t.done()]
    for answer in busy:
        _busy(answer)
    held.release()
    answers = await asyncio.wait_for(asyncio.gather(*tasks), STALL)
    assert answers[0].status_code == 200, answers[0].text  # the right password, checked
    assert sorted(a.status_code for a in answers[1:]) == [401] + [503] * 8
    # the refused ones only had to send again
    again = await tree.http.post(TOKEN, data=_form("x.admin", PASSWORD))
    assert again.status_code == 200, again.text


async def test_a_check_that_waits_longer_than_the_budget_gets_503(
    make_client, monkeypatch, release_on_exit
):
    tree = await _tree(make_client, slots=1, queue=4, wait_seconds=0.05)
    held = HeldHashes(tree, monkeypatch)
    release_on_exit.append(held)
    first = asyncio.ensure_future(tree.http.post(TOKEN, data=_form("ghost.a", "Wrong-Pass-1")))
    await _until(lambda: held.passwords.gate.running == 1, "the first hash")
    second = await asyncio.wait_for(
        tree.http.post(TOKEN, data=_form("ghost.b", "Wrong-Pass-1")), STALL
    )
    _busy(second)  # answered while the first hash is still held
    assert not first.done()
    held.release()
    problem(await asyncio.wait_for(first, STALL), 401, "invalid_grant")


async def test_a_refused_sign_in_is_not_counted_towards_the_lock(
    make_client, monkeypatch, release_on_exit
):
    tree = await _tree(make_client, slots=1, queue=1, wait_seconds=0.05)
    held = HeldHashes(tree, monkeypatch)
    release_on_exit.append(held)
    first = asyncio.ensure_future(tree.http.post(TOKEN, data=_form("x.agent", "Wrong-Pass-1")))
    await _until(lambda: held.passwords.gate.running == 1, "the first hash")
    # counted, then it waits for the slot past its budget: refused, its attempt given back
    _busy(await tree.http.post(TOKEN, data=_form("x.agent", "Wrong-Pass-2")))
    held.release()
    problem(await asyncio.wait_for(first, STALL), 401, "invalid_grant")
    # counted so far: one failure; the 503 gave its attempt back. The fifth failure locks.
    for n in range(3):
        answer = await tree.http.post(TOKEN, data=_form("x.agent", f"Wrong-Pass-{n + 3}"))
        problem(answer, 401, "invalid_grant")
        assert "retry-after" not in answer.headers, f"locked after {n + 2} failures"
    fifth = await tree.http.post(TOKEN, data=_form("x.agent", "Wrong-Pass-9"))
    problem(fifth, 401, "invalid_grant")
    assert "retry-after" in fifth.headers


# ------------------------------------------------------------------ the gate on its own


async def test_the_gate_hands_slots_in_order_and_never_runs_more_than_its_slots():
    gate = HashGate(slots=2, queue=10, wait_seconds=STALL)
    release = threading.Event()
    running = 0
    most = 0
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(STALL)
        with lock:
            running -= 1
        return n

    jobs = [asyncio.ensure_future(gate.run(work, n)) for n in range(6)]
    await _until(lambda: gate.running == 2 and gate.waiting == 4, "two running, four waiting")
    release.set()
    assert await asyncio.wait_for(asyncio.gather(*jobs), STALL) == list(range(6))
    assert most == 2
    assert gate.running == 0 and gate.waiting == 0


async def test_a_full_queue_refuses_at_once():
    gate = HashGate(slots=1, queue=1, wait_seconds=STALL)
    release = threading.Event()
    jobs = [asyncio.ensure_future(gate.run(release.wait, STALL)) for _ in range(2)]
    await _until(lambda: gate.running == 1 and gate.waiting == 1, "one running, one waiting")
    with pytest.raises(HashingBusy) as refused:
        await gate.run(release.wait, STALL)
    assert refused.value.status == 503 and refused.value.headers["Retry-After"] == "1"
    release.set()
    await asyncio.wait_for(asyncio.gather(*jobs), STALL)


async def test_a_caller_that_goes_away_keeps_the_slot_until_its_hash_ends():
    gate = HashGate(slots=1, queue=2, wait_seconds=STALL)
    release = threading.Event()
    running = asyncio.ensure_future(gate.run(release.wait, STALL))
    await _until(lambda: gate.running == 1, "the hash")
    waiting = asyncio.ensure_future(gate.run(release.wait, STALL))
    await _until(lambda: gate.waiting == 1, "the waiting caller")
    waiting.cancel()  # a waiting caller gone: its place in the queue is freed
    await _until(lambda: gate.waiting == 0, "the queue emptied")
    running.cancel()  # the running caller gone: its thread still hashes, the slot stays taken
    await asyncio.sleep(0.05)
    assert gate.running == 1
    release.set()
    await _until(lambda: gate.running == 0, "the slot freed when the thread ended")
    assert await gate.run(lambda: 7) == 7


def test_a_sign_in_that_would_wait_past_the_budget_is_not_admitted():
    slow = HashGate(slots=1, queue=5, wait_seconds=0.4, hash_seconds=1.0)
    # a free slot: no wait; then one hash of 1 s ahead: over the 0.4 s budget
    with slow.admit(), pytest.raises(HashingBusy), slow.admit():
        pass
    fast = HashGate(slots=1, queue=5, wait_seconds=0.4, hash_seconds=0.1)
    with contextlib.ExitStack() as admitted:
        for _ in range(5):  # one running and four waiting 0.1 s each: 0.4 s at most
            admitted.enter_context(fast.admit())
        with pytest.raises(HashingBusy):
            admitted.enter_context(fast.admit())
    with fast.admit():  # places are given back
        pass
