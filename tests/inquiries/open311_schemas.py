"""Validation of Open311 answers against the GeoReport v2 schemas kept in `open311_schema/`
(JSON as sent; XML parsed into the same structure first).

That folder (their source and CC BY 3.0 licence are in its LICENSE.md) holds
`services.json`, `service-definition.json`, `requests.json` (with the `service.json` and
`request.json` they reference) and `swagger.json`, whose
definitions cover the POST answer (`RequestResponse`) and tokens (`TokenResponse`). The
item schemas declare no `type`, so each check also requires objects. Discovery and the
error list have no schema there: they are checked against the shapes the spec's pages give.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).resolve().parent / "open311_schema"
SCHEMA_FILES = (
    "services.json",
    "service.json",
    "service-definition.json",
    "requests.json",
    "request.json",
    "swagger.json",
)


def _resource(name: str) -> Resource[Any]:
    contents = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return Resource.from_contents(contents, default_specification=DRAFT4)


# `$ref: "service.json"` in services.json resolves against its own name, "services.json"
REGISTRY: Registry[Any] = Registry().with_resources(
    (name, _resource(name)) for name in SCHEMA_FILES
)


def _objects(ref: str) -> dict[str, Any]:
    return {"type": "array", "items": {"allOf": [{"$ref": ref}, {"type": "object"}]}}


SCHEMAS: dict[str, dict[str, Any]] = {
    "services": {"allOf": [{"$ref": "services.json"}, _objects("service.json")]},
    "service_definition": {"allOf": [{"$ref": "service-definition.json"}, {"type": "object"}]},
    "requests": {"allOf": [{"$ref": "requests.json"}, _objects("request.json")]},
    "receipts": {
        "allOf": [
            _objects("swagger.json#/definitions/RequestResponse"),
            {"minItems": 1, "items": {"required": ["service_request_id"]}},
        ]
    },
    "tokens": {
        "allOf": [
            _objects("swagger.json#/definitions/TokenResponse"),
            {"minItems": 1, "items": {"required": ["service_request_id", "token"]}},
        ]
    },
    # GeoReport v2 "Errors": a list of {code, description}
    "errors": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
    # the Service Discovery page
    "discovery": {
        "type": "object",
        "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": {"type": "string", "format": "date-time"},
            "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "changeset", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string"},
                        "url": {"type": "string"},
                        "changeset": {"type": "string", "format": "date-time"},
                        "type": {"enum": ["production", "test"]},
                        "formats": {
                            "type": "array",
                            "items": {"enum": ["text/xml", "application/json"]},
                        },
                    },
                },
            },
        },
    },
}


def validate(kind: str, document: Any) -> None:
    validator = Draft4Validator(
        SCHEMAS[kind], registry=REGISTRY, format_checker=Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


# --- XML → the JSON structure --------------------------------------------------------------

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
# list element → its items' element
LISTS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
FLOATS = {"lat", "long"}
BOOLEANS = {"metadata", "variable", "required"}


def _value(element: ET.Element, parent: str | None) -> Any:
    if element.tag in LISTS:
        assert all(child.tag == LISTS[element.tag] for child in element), element.tag
        return [_value(child, element.tag) for child in element]
    if len(element):
        return {child.tag: _value(child, element.tag) for child in element}
    content = element.text
    if content is None:
        return None
    if element.tag in FLOATS:
        return float(content)
    if element.tag in BOOLEANS:
        return {"true": True, "false": False}[content]
    if (element.tag == "code" and parent == "error") or element.tag == "order":
        return int(content)
    return content


def parse_xml(body: bytes) -> Any:
    """The XML document as the JSON one would be (lists, objects, typed leaves)."""
    assert body.startswith(DECLARATION), body[:60]
    root = ET.fromstring(body)  # noqa: S314 (the app's own output)
    return _value(root, None)
