"""The route class every govhub router uses: body checks before parsing, idempotent POSTs,
and a lean handler, opt-in per route (`@lean`), for the reads that need no more than their
path and the caller."""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from functools import cached_property
from typing import Any, TypeVar

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
from services.common.strict import (
    JsonTypes,
    check_query_single,
    check_query_temporals,
    takes_many,
    temporal_kind,
)

JSON_TYPES = ("application/json",)

# The FastAPI release `lean_handler` was checked against: it reads `Dependant`'s fields,
# `ModelField.validate` and the route's `dependency_overrides_provider`, which are FastAPI's
# internals, not its public API. tests/common/test_lean_routes.py fails when uv.lock pins
# another release, or when one of those changes shape: re-check the lean handler against
# FastAPI's `solve_dependencies` then, and move this.
FASTAPI_CHECKED = "0.165.0"

LEAN_MARK = "__govhub_lean__"

_serving_app: ContextVar[Any] = ContextVar("govhub_serving_app", default=None)


class _ServingApp:
    """Every route's `dependency_overrides_provider`: the app serving the request. The
    kernel puts routes straight into each app's router (services/common/app.py), so a route
    has no app of its own, and the same route objects serve every app built from a router;
    FastAPI reads `dependency_overrides` from here while it solves the dependencies."""

    @property
    def dependency_overrides(self) -> dict[Any, Any]:
        overrides: dict[Any, Any] = getattr(_serving_app.get(), "dependency_overrides", {})
        return overrides


SERVING_APP = _ServingApp()


def _overrides(request: Request) -> dict[Any, Any] | None:
    """The serving app's `dependency_overrides` when it has any (tests), else None."""
    overrides: dict[Any, Any] | None = getattr(
        request.scope.get("app"), "dependency_overrides", None
    )
    return overrides or None


Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def lean(endpoint: Endpoint) -> Endpoint:
    """Opts a route into `lean_handler` (put it under the route's decorator). The route
    must be one it can serve — async, returning its `Response`, taking only path
    parameters, the request and request-only dependencies — or building the app fails.
    FastAPI's own handler still serves it whenever `app.dependency_overrides` replaces one
    of its dependencies."""
    setattr(endpoint, LEAN_MARK, True)
    return endpoint


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
    serves the routes marked `@lean` on `lean_handler`."""

    lean: bool = False  # set when the handler is built: True for a route marked `@lean`

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or []}
        if "POST" in methods:
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(idempotency)]
        if kwargs.get("dependency_overrides_provider") is None:
            kwargs["dependency_overrides_provider"] = SERVING_APP
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
    def query_single(self) -> frozenset[str]:
        """Query parameters (by alias) that take one value."""
        found: set[str] = set()
        pending = [self.dependant]  # the endpoint's own parameters and its dependencies'
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            found.update(
                p.alias for p in dependant.query_params if not takes_many(p.field_info.annotation)
            )
        return frozenset(found)

    @cached_property
    def json_types(self) -> JsonTypes | None:
        """The body's booleans and temporal fields, held to their JSON types (strict.py)."""
        if self.body_field is None:
            return None
        return JsonTypes.for_annotation(self.body_field.field_info.annotation)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = self._body_checked_handler()
        temporals = self.query_temporals
        single = self.query_single

        # Every route: the path and the query string are valid UTF-8 without NUL before
        # the handler runs (see services/common/inputcheck.py); dates and times in the
        # query string are not numbers, and a parameter that takes one value is not given
        # twice (services/common/strict.py).
        async def guarded(request: Request) -> Response:
            check_request(request.scope)
            if single and request.scope["query_string"]:
                check_query_single(request.query_params, single)
            if temporals:
                check_query_temporals(request.query_params, temporals)
            if _overrides(request) is None:
                return await handler(request)
            serving = _serving_app.set(request.scope["app"])
            try:
                return await handler(request)
            finally:
                _serving_app.reset(serving)

        return guarded

    def _body_checked_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if getattr(self.endpoint, LEAN_MARK, False):
            lean = lean_handler(self.dependant, self.endpoint)
            if lean is None:
                raise TypeError(
                    f"{self.endpoint.__qualname__} is marked @lean but the lean handler "
                    "cannot serve it: it must be async, return a Response and take only path "
                    "parameters, the request and async request-only dependencies"
                )
            self.lean = True
            return _unless_overridden(lean, handler, self.dependant)
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


def _calls(dependant: Dependant) -> set[Any]:
    """Every dependency function in the tree below `dependant`."""
    found: set[Any] = set()
    for sub in dependant.dependencies:
        if sub.call is not None:
            found.add(sub.call)
        found |= _calls(sub)
    return found


def _unless_overridden(
    lean: Callable[[Request], Coroutine[Any, Any, Response]],
    full: Callable[[Request], Coroutine[Any, Any, Response]],
    dependant: Dependant,
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """`lean`, except while the app's `dependency_overrides` replace one of the route's
    dependencies: then FastAPI's own handler (`full`), which applies the override."""
    calls = frozenset(_calls(dependant))

    async def handle(request: Request) -> Response:
        overrides = _overrides(request)
        if overrides is not None and not calls.isdisjoint(overrides):
            return await full(request)
        return await lean(request)

    return handle


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
