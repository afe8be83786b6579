"""Keeps generated parts of the README in step with the code (`python -m govhub.docs`)."""

from __future__ import annotations

from pathlib import Path

from services.common.settings import GovhubSettings

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def settings_table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in GovhubSettings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        shown = "unset" if default is None else f"`{default}`"
        lines.append(f"| `GOVHUB_{name.upper()}` | {shown} | {field.description or ''} |")
    return "\n".join(lines)


def main() -> None:
    text = README.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    README.write_text(text[:start] + "\n" + settings_table() + "\n" + text[stop:], "utf-8")


if __name__ == "__main__":
    main()
