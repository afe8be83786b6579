"""Fields a request may omit but never set to null (the services' PATCH models, whose
`_not_null` validator refuses an explicit null) are documented without `null` in each
service's spec and in the committed merged spec, so the spec promises no more than the API
takes (issue 14: "nullable fields that refuse null"). Checked with jsonschema against the
served schema, and against the model itself."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from services.common.apidocs import not_null_fields
from services.common.settings import SERVICE_NAMES

MERGED = json.loads(
    (Path(__file__).resolve().parents[2] / "openapi" / "govhub.openapi.json").read_text("utf-8")
)


SPECS: dict[str, dict[str, Any]] = {}  # each service's own spec


def cases() -> list[tuple[str, str, str, type[BaseModel], str]]:
    """(service, method, path, body model, field) for every field refused as null."""
    found = []
    for service in SERVICE_NAMES:
        app = importlib.import_module(f"services.{service}.app").create_app()
        SPECS[service] = app.openapi()
        for route in app.routes:
            if not isinstance(route, APIRoute) or route.body_field is None:
                continue
            model = route.body_field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                for method in sorted(route.methods or ()):
                    found += [
                        (service, method, route.path_format, model, name)
                        for name in not_null_fields(model)
                    ]
    return found


CASES = cases()


def property_of(spec: dict[str, Any], method: str, path: str, field: str) -> dict[str, Any]:
    body = spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]
    schema = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    prop: dict[str, Any] = schema["properties"][field]
    return prop


def test_the_services_declare_such_fields() -> None:
    # the PATCH models of the directory and campaigns services; if this drops to 0 the
    # convention was renamed and the spec says null again
    assert len({(c[0], c[3]) for c in CASES}) >= 10


@pytest.mark.parametrize(
    ("service", "method", "path", "model", "field"),
    CASES,
    ids=[f"{c[1]} {c[2]} {c[4]}" for c in CASES],
)
def test_a_field_refused_as_null_is_not_documented_as_nullable(
    service: str, method: str, path: str, model: type[BaseModel], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:  # what the API does
        model.model_validate({field: None})
    assert any(error["loc"][:1] == (field,) for error in refused.value.errors())
    for spec in (SPECS[service], MERGED):  # what the spec says, the service's and merged
        prop = property_of(spec, method, path, field)
        # the property's own schema, its $refs resolved in the spec's components
        validator = jsonschema.Draft202012Validator({**prop, "components": spec["components"]})
        assert not validator.is_valid(None), (path, field, prop)
