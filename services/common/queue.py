"""The job queue behind the outbox: pgqueuer, its tables prefixed `common_` in our schema."""

from __future__ import annotations

from functools import cache
from typing import Any

from pgqueuer.adapters.persistence import qb
from pgqueuer.db import AsyncpgDriver
from pgqueuer.domain.settings import DBSettings
from pgqueuer.queries import Queries
from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    Text,
    column,
    insert,
    literal,
    literal_column,
    select,
    table,
)

QUEUE_PREFIX = "common_"


@cache
def queue_settings() -> DBSettings:
    # built once: a settings object reads the environment, ~0.4 ms on every enqueue
    return DBSettings(prefix=QUEUE_PREFIX)


def install_sql() -> str:
    return qb.QueryBuilderEnvironment(queue_settings()).build_install_query(create_schema=False)


def uninstall_sql() -> str:
    return qb.QueryBuilderEnvironment(queue_settings()).build_uninstall_query()


def queries_for(driver: Any) -> Queries:
    settings = queue_settings()
    return Queries(
        driver,
        qbe=qb.QueryBuilderEnvironment(settings),
        qbq=qb.QueryQueueBuilder(settings),
        qbs=qb.QuerySchedulerBuilder(settings),
    )


def queries_on_connection(asyncpg_connection: Any) -> Queries:
    return queries_for(AsyncpgDriver(asyncpg_connection))


# The rows pgqueuer's own enqueue writes (a queued job and its log line), as statements a
# caller can put in its own INSERT … WITH: the intake writes its outbox event and the
# event's delivery job in one statement. The tables are ours (installed above, at the
# pinned pgqueuer version); tests check that a job written so is delivered like any other.
_job = table(
    f"{QUEUE_PREFIX}pgqueuer",
    column("id", BigInteger()),
    column("priority", Integer()),
    column("entrypoint", Text()),
    column("payload", LargeBinary()),
    column("status"),
    column("headers"),
)
_job_log = table(
    f"{QUEUE_PREFIX}pgqueuer_log",
    column("job_id", BigInteger()),
    column("status"),
    column("entrypoint", Text()),
    column("priority", Integer()),
)


def job_ctes(
    entrypoint: str, payload: Any, name: str = "job", where: Any = None
) -> tuple[Any, Any]:
    """Two data-modifying CTEs enqueueing one job for `entrypoint` now, with `payload` (a
    value or a bind parameter, bytes); with `where`, only when that condition holds."""
    queued: Any = literal_column(f"'queued'::{QUEUE_PREFIX}pgqueuer_status")
    values = {
        "priority": literal(0),
        "entrypoint": literal(entrypoint),
        "payload": payload,
        "status": queued,
        "headers": literal_column("'null'::jsonb"),  # as pgqueuer writes a job without
    }
    row = select(*values.values())
    job = (
        insert(_job)
        .from_select(list(values), row if where is None else row.where(where))
        .returning(_job.c.id, _job.c.entrypoint, _job.c.priority)
        .cte(name)
    )
    log = insert(_job_log).from_select(
        ["job_id", "status", "entrypoint", "priority"],
        select(job.c.id, queued, job.c.entrypoint, job.c.priority),
    )
    return job, log.cte(f"{name}_log")
