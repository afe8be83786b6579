"""The README's walk-throughs, run as written against a fresh hub (`govhub run` with the
demo data, as a newcomer's `make run`): every shell block marked `<!-- e2e -->`, in order,
in one bash session. A fresh stack of its own, so no other test has spent the sign-in or
anonymous rate limits that a newcomer starts with."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.database import DatabaseFactory
from tests.e2e.stack import Stack, start_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def module_database(databases: DatabaseFactory) -> AsyncIterator[str]:
    name = await databases.create()
    yield databases.url_for(name)
    await databases.drop(name)


@pytest.fixture(scope="module")
def hub(module_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # the walk runs in about a minute what a newcomer reads through in an hour: the token
    # endpoint's 10 sign-ins a minute per address would stop it, not a person following it
    running = start_stack(
        module_database,
        tmp_path_factory.mktemp("hub") / "data",
        GOVHUB_RATE_LIMIT_TOKEN="120/minute",
    )
    yield running
    running.stop()


README = Path(__file__).resolve().parents[2] / "README.md"
E2E_BLOCK = re.compile(r"<!-- e2e -->\n```(?:bash|sh)\n(.*?)```", re.S)


def readme_script(base: str) -> str:
    """Every README block marked `<!-- e2e -->`, in order, as one bash script against `base`:
    a curl that answers 4xx/5xx fails the script (`--fail-with-body`), so does any error."""
    blocks = E2E_BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 5, "the README's walk-through blocks are marked <!-- e2e -->"
    # each answer on its own line (-w), so the test can read them one by one
    prelude = (
        "set -euo pipefail\n"
        "curl() { command curl --fail-with-body --show-error -w '\\n' \"$@\"; }\n"
    )
    body = "\n".join(f"echo '### block {i}'\n{block}" for i, block in enumerate(blocks))
    return prelude + body.replace("http://127.0.0.1:8000", base)


def json_or_none(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def test_the_readme_walk_through_runs_as_written(hub: Stack, tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", "-c", readme_script(hub.base)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-4000:]
    answers = [parsed for line in out.splitlines() if (parsed := json_or_none(line))]
    created = next(a for a in answers if "tracking_token" in a)
    assert created["status"] == "new" and created["reference"].startswith("INQ-")
    # the staff search (`q=تسرب مياه`) lists the citizen's complaint
    assert any(created["id"] in {i.get("id") for i in a.get("items", [])} for a in answers)
    # Open311: the request filed with the demo api_key is followed by its token
    assert '"token":"INQ-' in out
    export = (tmp_path / "inquiries.csv").read_text(encoding="utf-8-sig")
    assert created["reference"] in export
