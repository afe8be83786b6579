"""Every event type a service emits is documented (services/common/event_catalog.py) and
appears in the merged OpenAPI spec's `webhooks` section with its payload schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

from openapi_spec_validator import validate

from services.common.event_catalog import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
# emit(session, "type", …), outbox.event_row("type", …) and a service's own
# `_…_event(session, …, "type")` helpers, however they are wrapped
EMITTED = re.compile(
    r"""(?:\bemit\(\s*\w+\s*,|\bevent_row\(|_event\(\s*session\s*,[^"']*?)\s*["']([a-z][a-z0-9_]*\.[a-z0-9_.]+)["']"""
)
# f"kpi.value_{value.status}": types built from a state
BUILT = re.compile(r"""\bf["']([a-z][a-z0-9_]*\.[a-z0-9_.]*)\{""")


def source() -> str:
    """Every service's code but the catalog itself."""
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in (ROOT / "services").rglob("*.py")
        if p.name != "event_catalog.py"
    )


def test_every_emitted_event_type_is_in_the_catalog_and_nothing_else_is():
    code = source()
    emitted = set(EMITTED.findall(code))
    assert "inquiry.created" in emitted and "webhook.disabled" in emitted  # the scan works
    assert emitted - set(EVENT_TYPES) == set(), "document these in event_catalog.py"
    built = set(BUILT.findall(code))
    for event_type in EVENT_TYPES:
        named = f'"{event_type}"' in code or any(event_type.startswith(p) for p in built)
        assert named, f"no service emits {event_type}"


def test_the_committed_spec_documents_every_event_with_its_payload():
    spec = json.loads((ROOT / "openapi" / "govhub.openapi.json").read_text(encoding="utf-8"))
    validate(spec)
    assert set(spec["webhooks"]) == set(EVENT_TYPES)
    schemas = spec["components"]["schemas"]
    for event_type, hook in spec["webhooks"].items():
        ref = hook["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schemas[ref.rsplit("/", 1)[1]]
        assert body["properties"]["type"]["const"] == event_type
        assert {"id", "type", "timestamp", "data"} <= set(body["required"])
        data = schemas[body["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
        assert "contact" not in data["properties"] and "phone" not in data["properties"]
        names = {p["name"] for p in hook["post"]["parameters"]}
        assert names == {"webhook-id", "webhook-timestamp", "webhook-signature"}
