"""The job queue behind the outbox: pgqueuer, its tables prefixed `common_` in our schema."""

from __future__ import annotations

from functools import cache
from typing import Any

from pgqueuer.adapters.persistence import qb
from pgqueuer.db import AsyncpgDriver
from pgqueuer.domain.settings import DBSettings
from pgqueuer.queries import Queries

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
