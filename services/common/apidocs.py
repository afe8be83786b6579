"""What every operation of a service's OpenAPI document says about who may call it and
which problems it can answer, derived from the route itself so no router has to repeat it.

- **Security**: an operation whose dependencies require a principal (`PrincipalDep`,
  `require(...)`) requires the bearer token; one that only reads an optional principal
  accepts a token or none; any other is anonymous (`security: []`). An operation that
  states its own `security` (`openapi_extra`) keeps it.
- **Problem statuses** that the kernel itself can answer on that route, added where the
  router did not document them (its own wording wins): 400 (invalid encoding, malformed
  JSON, bad cursor), 422 (validation, NUL characters), 429 (the gateway's rate limits),
  503 (database or service unavailable) everywhere; 401 and 403 where a token is required,
  401 where one is optional; 404 with path parameters or an `…_id` filter; 413 with a
  body, 415 with a JSON body; 412 on PATCH, PUT and DELETE of a single resource
  (`If-Match`). An operation that documents a `default` answer (Open311: its own error
  format) gets none added.
- **Fields that may be omitted but never null**: a request model's field validator named
  `_not_null` (the services' PATCH models: `X | None = None`, `None` meaning "not sent",
  and an explicit `null` refused with 422) names them; the spec documents them without
  the `null` that their Python type carries, so it promises no more than the API takes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.params import File, Form
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.common.auth import optional_principal, require_principal
from services.common.problems import DESCRIPTIONS

SECURITY_SCHEMES: dict[str, Any] = {
    "OAuth2": {
        "type": "oauth2",
        "description": "Staff sign in with the password grant; machine clients of other "
        "ministries use client credentials. Both return a signed JWT.",
        "flows": {
            "password": {"tokenUrl": "/v1/auth/token", "scopes": {}},
            "clientCredentials": {"tokenUrl": "/v1/auth/token", "scopes": {}},
        },
    },
    "BearerJWT": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from `/v1/auth/token`; verify it with "
        "`/.well-known/jwks.json`.",
    },
}
TOKEN_REQUIRED: list[dict[str, list[str]]] = [{"OAuth2": []}, {"BearerJWT": []}]
TOKEN_OPTIONAL: list[dict[str, list[str]]] = [*TOKEN_REQUIRED, {}]
ANONYMOUS: list[dict[str, list[str]]] = []

EVERYWHERE = (400, 422, 429, 503)
PRECONDITION_METHODS = frozenset({"PATCH", "PUT", "DELETE"})
NOT_NULL_VALIDATOR = "_not_null"  # the validator that refuses an explicit null


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def caller_rule(route: APIRoute) -> str:
    """`required`, `optional` or `anonymous`: what the route's dependencies ask of a token."""
    calls = set(_calls(route.dependant))
    if require_principal in calls:
        return "required"
    if optional_principal in calls:
        return "optional"
    return "anonymous"


def _statuses(route: APIRoute, method: str, rule: str, has_body: bool) -> list[int]:
    statuses = list(EVERYWHERE)
    if rule == "required":
        statuses += [401, 403]
    elif rule == "optional":
        statuses.append(401)
    path_params = route.dependant.path_params
    # an id in the query names something the caller may not see: 404 as for a path's id
    id_filters = [p for p in route.dependant.query_params if p.alias.endswith("_id")]
    if path_params or id_filters:
        statuses.append(404)
    if path_params and method in PRECONDITION_METHODS:
        statuses.append(412)
    body = route.dependant.body_params
    if body or has_body:  # a body read by the route itself is documented by `openapi_extra`
        statuses.append(413)
    if body and not any(isinstance(p.field_info, File | Form) for p in body):
        statuses.append(415)
    return statuses


def document_operations(app: FastAPI, spec: dict[str, Any]) -> dict[str, Any]:
    """Per-operation security and the kernel's problem statuses, in place (see above)."""
    paths = spec.get("paths", {})
    documented = False
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format)
        if item is None:
            continue
        rule = caller_rule(route)
        for method in sorted(route.methods or ()):
            operation = item.get(method.lower())
            if not isinstance(operation, dict):
                continue
            documented = True
            if "security" not in operation:
                operation["security"] = copy.deepcopy(
                    {
                        "required": TOKEN_REQUIRED,
                        "optional": TOKEN_OPTIONAL,
                        "anonymous": ANONYMOUS,
                    }[rule]
                )
            _document_not_null(route, operation, spec)
            responses = operation.setdefault("responses", {})
            if "default" in responses:
                continue  # the route documents every other answer itself (Open311)
            for status in _statuses(route, method, rule, "requestBody" in operation):
                responses.setdefault(str(status), {"description": DESCRIPTIONS[status]})
            operation["responses"] = dict(sorted(responses.items()))
    if documented:
        schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
        for name, scheme in SECURITY_SCHEMES.items():
            schemes.setdefault(name, copy.deepcopy(scheme))
    return spec


def not_null_fields(model: type[BaseModel]) -> list[str]:
    """The names (aliases where set) of `model`'s fields that its `_not_null` validator
    refuses to take as null."""
    validator = model.__pydantic_decorators__.field_validators.get(NOT_NULL_VALIDATOR)
    if validator is None:
        return []
    fields = model.model_fields
    return [fields[name].alias or name for name in validator.info.fields if name in fields]


def _document_not_null(route: APIRoute, operation: dict[str, Any], spec: dict[str, Any]) -> None:
    model = route.body_field.field_info.annotation if route.body_field is not None else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return
    names = not_null_fields(model)
    content = operation.get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    prefix = "#/components/schemas/"
    if not names or not ref.startswith(prefix):
        return
    schema = spec.get("components", {}).get("schemas", {}).get(ref.removeprefix(prefix), {})
    properties = schema.get("properties", {})
    for name in names:
        if isinstance(properties.get(name), dict):
            _without_null(properties[name])


def _without_null(prop: dict[str, Any]) -> None:
    """`{"anyOf": [X, {"type": "null"}], …}` → `X` with the property's own title,
    description and examples (and no `default: null`)."""
    branches = prop.get("anyOf")
    if not isinstance(branches, list) or {"type": "null"} not in branches:
        return
    kept = [branch for branch in branches if branch != {"type": "null"}]
    del prop["anyOf"]
    if len(kept) == 1:
        for key, value in kept[0].items():
            prop.setdefault(key, value)
    else:
        prop["anyOf"] = kept
    if "default" in prop and prop["default"] is None:
        del prop["default"]
