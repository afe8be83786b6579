"""Integrations fixtures: the directory app (webhooks) on the directory's test tree, a
loopback receiver, and the worker's pieces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

import services.directory.handlers  # noqa: F401 - registers the fan-out and the attempt job
from services.common.db import build_engine, build_sessionmaker
from services.directory.app import create_app
from tests.directory.conftest import Tree, build_tree
from tests.integrations.receiver import Receiver


@pytest.fixture
def settings(settings):
    # the receivers listen on loopback
    return settings.model_copy(update={"webhook_allow_private_targets": True})


@pytest.fixture
async def client(make_client) -> httpx.AsyncClient:
    http: httpx.AsyncClient = await make_client(create_app)
    return http


@pytest.fixture
async def tree(client: httpx.AsyncClient) -> Tree:
    return await build_tree(client)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
async def sessionmaker(settings) -> AsyncIterator[object]:
    engine = build_engine(settings.database_url or "", settings)
    yield build_sessionmaker(engine)
    await engine.dispose()
