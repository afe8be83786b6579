"""DESIGN.md's layering is enforced by import-linter contracts (pyproject.toml, `make lint`):
they hold on the tree as it is, and they break on an import that crosses a line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    for package in ("services", "gateway", "govhub"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_the_tree() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "services/calendar/leak.py",
            "from services.inquiries import models\n",
            "Services never import each other BROKEN",
        ),
        (
            "services/common/leak.py",
            "from services.directory import models\n",
            "The shared kernel imports no service, no gateway and no command line BROKEN",
        ),
        (
            "gateway/leak.py",
            "from services.inquiries import models\n",
            "The gateway imports only the shared kernel BROKEN",
        ),
        (
            "services/directory/api/leak.py",
            "from services.directory.repository import users\n",
            "Routers (api) never import repositories: they call the service layer BROKEN",
        ),
        (
            "services/inquiries/api/leak.py",
            "from services.inquiries.repository import inquiries\n",
            "Routers (api) never import repositories: they call the service layer BROKEN",
        ),
        (
            "services/inquiries/open311/api.py",
            "from services.inquiries.open311 import repository\n",
            "Routers (api) never import repositories: they call the service layer BROKEN",
        ),
        (
            "services/inquiries/domain/leak.py",
            "from services.inquiries.repository import inquiries\n",
            "Domain rules are pure: they import no router, service layer or repository BROKEN",
        ),
        (
            "services/calendar/domain/leak.py",
            "from services.calendar.service import entries\n",
            "Domain rules are pure: they import no router, service layer or repository BROKEN",
        ),
    ],
)
def test_an_import_across_a_line_fails_the_lint(
    tree_copy: Path, module: str, line: str, contract: str
) -> None:
    (tree_copy / module).write_text(line)
    result = lint_imports(tree_copy)
    assert result.returncode != 0
    assert contract in result.stdout, result.stdout
