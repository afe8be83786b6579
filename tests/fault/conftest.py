"""`make fault` runs every fault case (GOVHUB_FAULT_FULL=1); `make test` the short form,
the cases marked `fault_short`."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("GOVHUB_FAULT_FULL") == "1":
        return
    skip = pytest.mark.skip(reason="the full fault suite runs in `make fault`")
    for item in items:
        if "tests/fault/" in str(item.fspath) and "fault_short" not in item.keywords:
            item.add_marker(skip)
