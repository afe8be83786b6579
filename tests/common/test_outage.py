"""A lost database: 503 `database_unavailable` problems with Retry-After (never a 500 with
a traceback), logged once per outage, /readyz says so, and the app recovers by itself."""

from __future__ import annotations

import logging

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import PendingRollbackError

from services.common.embedded import to_plain_url
from services.common.outage import OutageLog, is_database_unavailable, outage_log
from tests.common.kernel_app import create_app

PROBLEM = "application/problem+json"
NOWHERE = "postgresql://govhub@127.0.0.1:1/nothing"  # nothing listens on port 1


def unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "database_unavailable"
    assert int(response.headers["retry-after"]) > 0


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fresh_outage_log():
    outage_log.recovered()
    yield
    outage_log.recovered()


@pytest.fixture
def logged():
    """What the hub logs (its own handlers do not propagate to pytest's)."""
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    loggers = [logging.getLogger(n) for n in ("govhub", "govhub.db", "govhub.errors")]
    for each in loggers:
        each.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)
    for each in loggers:
        each.removeHandler(handler)


async def test_a_database_that_cannot_be_reached_answers_503(make_client, logged):
    client = await make_client(create_app, database_url=NOWHERE)
    for _ in range(5):
        unavailable(await client.get("/v1/notes"))
        unavailable(await client.post("/v1/notes", json={"text": "مرحبا"}))
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "down"
    # one line for the outage, no tracebacks
    lines = {(r.name, r.getMessage()) for r in logged if r.name == "govhub.db"}
    assert len(lines) == 1, lines
    assert not [r for r in logged if r.exc_info]


async def test_connections_dropped_by_the_server_answer_503_then_recover(
    make_client, database_url, logged
):
    client = await make_client(create_app)
    assert (await client.post("/v1/notes", json={"text": "قبل"})).status_code == 201
    assert (await client.get("/v1/notes")).status_code == 200
    # what a restarted postmaster does to every open connection
    url = make_url(to_plain_url(database_url))
    admin = await asyncpg.connect(
        to_plain_url(url.set(database="postgres").render_as_string(hide_password=False))
    )
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()
    assert killed >= 1
    answers = [(await client.get("/v1/notes")).status_code for _ in range(4)]
    answers += [(await client.post("/v1/notes", json={"text": "بعد"})).status_code]
    assert 500 not in answers, answers
    assert set(answers) <= {200, 201, 503}
    # the pool reconnects by itself
    assert (await client.post("/v1/notes", json={"text": "بعد"})).status_code == 201
    assert (await client.get("/readyz")).status_code == 200
    assert not [r for r in logged if r.exc_info]


def test_what_counts_as_a_lost_database():
    assert is_database_unavailable(ConnectionRefusedError())
    assert is_database_unavailable(asyncpg.CannotConnectNowError("starting up"))
    assert is_database_unavailable(asyncpg.ConnectionDoesNotExistError("gone"))
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = asyncpg.AdminShutdownError("terminating connection")
    assert is_database_unavailable(wrapped)
    assert not is_database_unavailable(asyncpg.UniqueViolationError("duplicate"))
    assert not is_database_unavailable(ValueError("bug"))


def test_the_outage_log_writes_once_per_interval(logged):
    log = OutageLog(interval=3600)
    for _ in range(100):
        log.failed(ConnectionRefusedError("refused"), "/v1/notes")
    log.recovered()
    messages = list(dict.fromkeys(r.getMessage() for r in logged if r.name == "govhub.db"))
    assert len(messages) == 2
    assert "unavailable" in messages[0] and "100 requests" in messages[1]


async def test_a_lost_connection_outside_every_route_handler_is_503_not_500() -> None:
    """A driver error raised where no route's handler reaches (a middleware, a response
    being finished) is still an outage: the outermost middleware answers 503."""
    import httpx

    from services.common.observability import RequestContextMiddleware

    async def broken(scope, receive, send):
        raise asyncpg.InterfaceError("connection is closed")

    async def bug(scope, receive, send):
        raise RuntimeError("a bug")

    for app, status in ((broken, 503), (bug, 500)):
        wrapped = RequestContextMiddleware(app, app_name="outage-test")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=wrapped, raise_app_exceptions=False),
            base_url="http://hub",
        ) as client:
            response = await client.post("/v1/inquiries", json={})
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM
        if status == 503:
            unavailable(response)


async def test_a_transaction_whose_connection_was_lost_counts_as_an_outage(database_url, settings):
    # what the worker met: a handler's savepoint failed on the dropped connection, and the
    # delivery's next statement was refused with "Can't reconnect until invalid
    # transaction is rolled back": an outage, not a bug with a traceback per job
    from sqlalchemy import text

    from services.common.db import build_engine, build_sessionmaker, driver_of
    from tests.common.test_worker_resilience import drop_connections

    engine = build_engine(database_url, settings)
    try:
        async with build_sessionmaker(engine)() as session:
            await session.execute(text("SELECT 1"))
            assert await drop_connections(database_url) >= 1
            with pytest.raises(Exception) as lost:
                async with session.begin_nested():
                    await session.execute(text("SELECT 1"))
            assert is_database_unavailable(lost.value)
            with pytest.raises(PendingRollbackError) as next_statement:
                await driver_of(session)
            assert is_database_unavailable(next_statement.value)
    finally:
        await engine.dispose()
    flush_failed = PendingRollbackError("This Session's transaction has been rolled back")
    assert not is_database_unavailable(flush_failed)  # a failed flush is not an outage


def test_the_queues_own_tracebacks_of_an_outage_go_to_the_outage_log(logged):
    from govhub.worker import QuietOutage

    outage = OutageLog(interval=3600)
    quiet = QuietOutage(outage)
    queue = logging.getLogger("pgqueuer")
    seen = Records()
    queue.addFilter(quiet)
    queue.addHandler(seen)
    try:
        for _ in range(20):
            try:
                raise asyncpg.InterfaceError("connection is closed")
            except asyncpg.InterfaceError:
                queue.exception("Flush failed, requeuing %d items", 7)
        try:
            raise ValueError("a bug in a handler")
        except ValueError:
            queue.exception("Exception while processing entrypoint/job-id: %s/%s", "x", 1)
    finally:
        queue.removeFilter(quiet)
        queue.removeHandler(seen)
    assert [r.getMessage() for r in seen.records] == [
        "Exception while processing entrypoint/job-id: x/1"
    ]
    assert outage.refused == 20
    lines = {(r.getMessage(), bool(r.exc_info)) for r in logged if r.name == "govhub.db"}
    assert len(lines) == 1 and not next(iter(lines))[1]  # one line, no traceback
