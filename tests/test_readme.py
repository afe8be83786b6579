"""The README documents the two commands and every setting."""

from __future__ import annotations

from pathlib import Path

from services.common.settings import GovhubSettings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_names_the_two_commands():
    assert "make run" in README and "make test" in README


def test_every_setting_is_in_the_readme_table():
    missing = [
        f"GOVHUB_{name.upper()}"
        for name in GovhubSettings.model_fields
        if f"`GOVHUB_{name.upper()}`" not in README
    ]
    assert missing == []
