"""The route class every govhub router uses: body checks before parsing, idempotent POSTs,
and a lean handler for the reads that need no more than their path and the caller."""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Coroutine
from functools import cached_property
from typing import Any

from fastapi import Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.params import File, Form
from fastapi.routing import APIRoute
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.routing import Match
from starlette.types import Scope

from services.common.errors import DomainError
from services.common.idempotency import idempotency
from services.common.inputcheck import check_json, check_request, check_urlencoded, is_urlencoded
from services.common.strict import JsonTypes, check_query_temporals, temporal_kind

JSON_TYPES = ("application/json",)


def static_paths(scope: Scope) -> frozenset[str]:
    """The paths without parameters that the app's routes serve (read once per app)."""
    app = scope.get("app")
    if app is None:
        return frozenset()
    found: frozenset[str] | None = getattr(app.state, "static_paths", None)
    if found is None:
        found = frozenset(
            route.path_format
            for route in getattr(app, "routes", ())
            if "{" not in getattr(route, "path_format", "{")
        )
        app.state.static_paths = found
    return found


class ResourceIdConvertor(StringConvertor):
    """`{name:id}`: a path segment naming one resource — any segment but the word `me`, so
    that `/v1/users/me` is never read as an id: a method its `me` routes lack answers 405
    with their `Allow`, not a validation error about an id. The value is validated by the
    parameter's type as before."""

    regex = r"(?!me(?:/|$))[^/]+"


register_url_convertor("id", ResourceIdConvertor())


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path (for `Allow`):
    the documented routes' when any matches (a hidden catch-all, such as Open311's for
    unknown paths, answers no real method there), else any route's."""
    documented: set[str] = set()
    hidden: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            into = documented if getattr(route, "include_in_schema", True) else hidden
            into |= set(route_methods)
    return sorted(documented or hidden)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media in JSON_TYPES or media.endswith("+json")


class GovhubRoute(APIRoute):
    """Adds the Idempotency-Key dependency to POSTs; answers 415 and bad UTF-8 as problems;
    serves the reads that need only their path and the caller on `lean_handler`."""

    lean: bool = False  # set when the handler is built: True when it is `lean_handler`'s

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or []}
        if "POST" in methods:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(idempotency)]
        super().__init__(path, endpoint, **kwargs)

    @cached_property
    def parametric(self) -> bool:
        return "{" in self.path_format

    @cached_property
    def static_prefix(self) -> str:
        """The path up to its first parameter: a request elsewhere cannot match the route."""
        return self.path_format.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Routes are tried in order until one matches; FastAPI's `matches` does more than
        # the path's regular expression, and a read by id was tried against a dozen
        # routes first. Under a mount (a root path) the full check decides.
        if scope.get("root_path"):
            return super().matches(scope)
        path = scope["path"]
        if not path.startswith(self.static_prefix):
            return Match.NONE, {}
        if self.parametric and path in static_paths(scope):
            # `/v1/inquiries/export` is that route's, never an inquiry whose id is "export":
            # a method it lacks answers 405 with its `Allow`, not a 422 about an id
            return Match.NONE, {}
        return super().matches(scope)

    @cached_property
    def query_temporals(self) -> dict[str, str]:
        """Query parameters that are dates, date-times or times (by alias), and which."""
        found: dict[str, str] = {}
        for param in self.dependant.query_params:
            kind = temporal_kind(param.field_info.annotation)
            if kind is not None:
                found[param.alias] = kind
        return found

    @cached_property
    def json_types(self) -> JsonTypes | None:
        """The body's booleans and temporal fields, held to their JSON types (strict.py)."""
        if self.body_field is None:
            return None
        return JsonTypes.for_annotation(self.body_field.field_info.annotation)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = self._body_checked_handler()
        temporals = self.query_temporals

        # Every route: the path and the query string are valid UTF-8 without NUL before
        # the handler runs (see services/common/inputcheck.py); dates and times in the
        # query string are not numbers (services/common/strict.py).
        async def guarded(request: Request) -> Response:
            check_request(request.scope)
            if temporals:
                check_query_temporals(request.query_params, temporals)
            return await handler(request)

        return guarded

    def _body_checked_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        lean = lean_handler(self.dependant, self.endpoint)
        self.lean = lean is not None
        if lean is not None:
            return lean
        handler = super().get_route_handler()
        body_params = self.dependant.body_params
        if not body_params:
            return handler  # nothing to check: no wrapper on the way of every read
        if any(isinstance(p.field_info, File) for p in body_params):
            return handler  # multipart: files may hold any byte
        if any(isinstance(p.field_info, Form) for p in body_params):

            async def form_checked(request: Request) -> Response:
                if is_urlencoded(request.headers.get("content-type", "")):
                    body = await request.body()  # kept by the request: parsed once later
                    check_urlencoded(body, where_ar="نص النموذج", where_en="form body")
                return await handler(request)

            return form_checked

        json_types = self.json_types

        async def checked(request: Request) -> Response:
            body = await request.body()
            if body:
                content_type = request.headers.get("content-type", "")
                if not _is_json(content_type):
                    raise DomainError(
                        "أرسل البيانات بصيغة application/json",
                        "Send the body as application/json",
                        "unsupported_media_type",
                        415,
                    )
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise DomainError(
                        "النص ليس بترميز UTF-8 صالح",
                        "The body is not valid UTF-8",
                        "invalid_encoding",
                        400,
                    ) from exc
                check_json(body)
                if json_types is not None:
                    try:
                        document = json.loads(body)
                    except ValueError:
                        document = None  # left to the handler's own 400 (malformed JSON)
                    if document is not None:
                        json_types.check(document)
            return await handler(request)

        return checked


def _no_other_inputs(dependant: Dependant) -> bool:
    """No query, header, cookie or body parameter, and none of FastAPI's special ones
    (response, background tasks, security scopes, connection) but the request."""
    return not (
        dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.http_connection_param_name
        or dependant.websocket_param_name
    )


def _solvable(dependant: Dependant) -> bool:
    """A dependency `lean_handler` can solve: an async function of the request and of other
    such dependencies only (no parameters of its own, not a generator) — e.g.
    `auth.require_principal`, or `auth.require(permission)` which depends on it."""
    return (
        dependant.call is not None
        and inspect.iscoroutinefunction(dependant.call)
        and not dependant.path_params
        and _no_other_inputs(dependant)
        and all(map(_solvable, dependant.dependencies))
    )


Solver = Callable[[Request, dict[Any, Any]], Coroutine[Any, Any, dict[str, Any]]]


def _solver(dependencies: list[Dependant]) -> Solver:
    """What FastAPI's `solve_dependencies` does for `_solvable` dependencies: each called
    with the request and its own dependencies' values, in order, once per request (unless
    it asks for `use_cache=False`); returns the values by parameter name."""
    steps = [
        (d.name, d.call, d.request_param_name, d.use_cache, _solver(d.dependencies))
        for d in dependencies
    ]

    async def solve(request: Request, solved: dict[Any, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, call, request_name, use_cache, solve_own in steps:
            if use_cache and call in solved:
                value = solved[call]
            else:
                arguments = await solve_own(request, solved)
                if request_name is not None:
                    arguments[request_name] = request
                value = solved[call] = await call(**arguments)  # type: ignore[misc]
            if name is not None:
                values[name] = value
        return values

    return solve


def lean_handler(
    dependant: Dependant, endpoint: Callable[..., Any]
) -> Callable[[Request], Coroutine[Any, Any, Response]] | None:
    """The handler of a route that takes only path parameters, the request and `_solvable`
    dependencies, and returns its `Response` itself — the hub's reads by id — or None.

    FastAPI's own handler re-inspects every parameter's annotation, sets up telemetry and
    the error context and solves the dependency tree on each request: more CPU than such
    a read's database round trip. This one does what that tree amounts to, in the same
    order (dependencies first, then the path), with the same objects: the dependencies'
    functions and the path fields' own validation, so a bad id is the same 422 and a
    missing token the same 401."""
    if not inspect.iscoroutinefunction(endpoint):
        return None
    try:
        returns = typing.get_type_hints(endpoint).get("return")
    except Exception:
        return None
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        return None
    if not _no_other_inputs(dependant) or not all(map(_solvable, dependant.dependencies)):
        return None
    solve = _solver(dependant.dependencies)
    path_fields = [(f.name, f.alias, f) for f in dependant.path_params]
    request_name = dependant.request_param_name

    async def handle(request: Request) -> Response:
        values = await solve(request, {})
        errors: list[Any] = []
        path = request.path_params
        for name, alias, field in path_fields:
            value, field_errors = field.validate(path.get(alias), values, loc=("path", alias))
            if field_errors:
                errors.extend(field_errors)
            else:
                values[name] = value
        if errors:
            raise RequestValidationError(errors)
        if request_name is not None:
            values[request_name] = request
        response: Response = await endpoint(**values)
        return response

    return handle
