"""Reads by id marked `@lean` run on a lean handler (`routing.lean_handler`) instead of
FastAPI's: the same answers as FastAPI's own handler for the same signature, only for the
routes that opt in and that it can serve, and FastAPI's handler again while
`app.dependency_overrides` replaces one of the route's dependencies."""

from __future__ import annotations

import dataclasses
import inspect
import re
import uuid
from pathlib import Path
from typing import Annotated, Any

import fastapi
import pytest
from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi._compat import ModelField
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.common.app import create_service_app, new_router
from services.common.auth import Principal, PrincipalDep, require, require_principal
from services.common.responses import json_response
from services.common.routing import FASTAPI_CHECKED, SERVING_APP, GovhubRoute, lean
from services.common.settings import GovhubSettings
from tests.common.tokens import mint

router = new_router(prefix="/v1/things")
calls: list[str] = []


async def counted(request: Request) -> None:
    calls.append(request.url.path)


def answer(thing_id: uuid.UUID, request: Request, principal: Any) -> dict[str, Any]:
    return {"id": str(thing_id), "path": request.url.path, "org": str(principal.organization_id)}


# `counted` is named twice (route and parameter): FastAPI calls it once per request
@router.get("/lean/{thing_id}", dependencies=[Depends(counted)])
@lean
async def lean_read(
    thing_id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    _: None = Depends(counted),
) -> Response:
    return json_response(answer(thing_id, request, principal), headers={"X-Way": "lean"})


@router.get("/full/{thing_id}", dependencies=[Depends(counted)])
async def full(
    thing_id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    _: None = Depends(counted),
) -> dict[str, Any]:
    return answer(thing_id, request, principal)


# a dependency on a dependency (`require` checks a permission of `require_principal`'s)
Admin = Annotated[Principal, require("api_clients:read")]


@router.get("/admin-lean/{thing_id}")
@lean
async def admin_lean(thing_id: uuid.UUID, request: Request, principal: Admin) -> Response:
    return json_response(answer(thing_id, request, principal))


@router.get("/admin-full/{thing_id}")
async def admin_full(thing_id: uuid.UUID, request: Request, principal: Admin) -> dict[str, Any]:
    return answer(thing_id, request, principal)


# could be lean, but does not opt in
@router.get("/unmarked/{thing_id}")
async def unmarked(thing_id: uuid.UUID, request: Request, principal: PrincipalDep) -> Response:
    return json_response(answer(thing_id, request, principal))


@router.get("/query/{thing_id}")
async def with_query(thing_id: uuid.UUID, verbose: bool = Query(False)) -> Response:
    return json_response({"verbose": verbose})


def create_app(settings: GovhubSettings) -> FastAPI:
    return create_service_app(
        "lean-test", title="lean", description="test", settings=settings, routers=[router]
    )


def route(path: str) -> GovhubRoute:
    found = [r for r in router.routes if isinstance(r, GovhubRoute) and r.path == path]
    return found[0]


@pytest.fixture
async def client(make_client):
    return await make_client(create_app)


def test_only_routes_of_path_request_and_request_only_dependencies_are_lean():
    assert route("/v1/things/lean/{thing_id}").lean
    assert route("/v1/things/admin-lean/{thing_id}").lean
    assert not route("/v1/things/full/{thing_id}").lean  # FastAPI serializes its result
    assert not route("/v1/things/query/{thing_id}").lean  # a query parameter
    assert not route("/v1/things/unmarked/{thing_id}").lean  # not marked @lean
    assert require_principal in {
        d.call for d in route("/v1/things/lean/{thing_id}").dependant.dependencies
    }


async def test_a_lean_route_answers_as_fastapis_handler_does(client, settings):
    org = uuid.uuid4()
    auth = {"Authorization": f"Bearer {mint(settings, org=org)}"}
    thing = uuid.uuid4()
    for way in ("lean", "full"):
        calls.clear()
        ok = await client.get(f"/v1/things/{way}/{thing}", headers=auth)
        assert ok.status_code == 200
        assert ok.json() == {"id": str(thing), "path": f"/v1/things/{way}/{thing}", "org": str(org)}
        assert calls == [f"/v1/things/{way}/{thing}"]  # once, though named twice
    assert ok.headers.get("X-Way") is None
    assert (await client.get(f"/v1/things/lean/{thing}", headers=auth)).headers["X-Way"] == "lean"

    cases = [
        ("not-a-uuid", auth),  # the path's own validation: 422 naming the field
        (str(thing), {}),  # no token: 401
        ("not-a-uuid", {}),  # both wrong: the dependency speaks first, as in FastAPI
        (str(thing), {"Authorization": "Basic abc"}),
        (str(thing), {"Authorization": "Bearer not.a.token"}),
    ]
    cases += [(str(thing), auth), ("not-a-uuid", auth)]  # as an agent: 403 before 422
    for index, (thing_id, headers) in enumerate(cases):
        pair = ("lean", "full") if index < len(cases) - 2 else ("admin-lean", "admin-full")
        answers = [
            await client.get(f"/v1/things/{way}/{thing_id}", headers=headers) for way in pair
        ]
        statuses = {a.status_code for a in answers}
        assert len(statuses) == 1 and statuses <= {401, 403, 422}, (thing_id, headers, statuses)
        lean_body, full_body = (a.json() for a in answers)
        assert lean_body == full_body
        assert answers[0].headers["content-type"] == answers[1].headers["content-type"]
        assert {k: v for k, v in answers[0].headers.items() if k == "www-authenticate"} == {
            k: v for k, v in answers[1].headers.items() if k == "www-authenticate"
        }
    bad = await client.get("/v1/things/lean/not-a-uuid", headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "thing_id"


async def test_a_route_without_its_prefix_does_not_match_and_others_still_do(client, settings):
    auth = {"Authorization": f"Bearer {mint(settings)}"}
    assert (await client.get("/v1/thing/lean/x", headers=auth)).status_code == 404
    assert (await client.get("/v1/things/query/x?verbose=true")).status_code == 422
    thing = uuid.uuid4()
    assert (await client.get(f"/v1/things/query/{thing}?verbose=true")).json() == {"verbose": True}
    assert (await client.post(f"/v1/things/lean/{thing}", headers=auth)).status_code == 405


def test_the_reads_by_id_of_the_services_are_lean():
    from services.directory.app import create_app as directory_app
    from services.inquiries.app import create_app as inquiries_app

    for create, path in (
        (inquiries_app, "/v1/inquiries/{inquiry_id}"),
        (directory_app, "/v1/organizations/{organization_id}"),
    ):
        routes = [r for r in create().routes if getattr(r, "path", None) == path]
        assert [
            r.lean for r in routes if isinstance(r, GovhubRoute) and "GET" in (r.methods or ())
        ] == [True]


def test_a_route_marked_lean_that_it_cannot_serve_fails_when_it_is_declared():
    other = new_router(prefix="/v1/other")

    async def with_query(thing_id: uuid.UUID, verbose: bool = Query(False)) -> Response:
        return json_response({})

    with pytest.raises(TypeError, match="marked @lean"):
        other.get("/{thing_id}")(lean(with_query))


async def test_an_override_of_a_lean_routes_dependency_takes_effect(client, settings):
    app: FastAPI = client.app
    thing = uuid.uuid4()
    org = uuid.uuid4()
    stand_in = Principal(
        subject="stand-in", kind="user", organization_id=org, roles=frozenset({"org_admin"})
    )

    async def no_token_needed() -> Principal:
        return stand_in

    overridden: list[str] = []

    async def instead_of_counted(request: Request) -> None:
        overridden.append(request.url.path)

    assert (await client.get(f"/v1/things/lean/{thing}")).status_code == 401
    app.dependency_overrides[require_principal] = no_token_needed
    app.dependency_overrides[counted] = instead_of_counted
    try:
        for path in (f"/v1/things/lean/{thing}", f"/v1/things/admin-lean/{thing}"):
            calls.clear()
            ok = await client.get(path)  # no token: the override signs the caller in
            assert ok.status_code == 200, ok.text
            assert ok.json()["org"] == str(org)
            assert calls == []
        assert overridden == [f"/v1/things/lean/{thing}"]  # the route's own, replaced
        # FastAPI's own handler (a route not marked lean) takes it as well
        assert (await client.get(f"/v1/things/unmarked/{thing}")).json()["org"] == str(org)
    finally:
        app.dependency_overrides.clear()
    # without overrides the lean handler serves it again, with the real dependencies
    assert (await client.get(f"/v1/things/lean/{thing}")).status_code == 401
    auth = {"Authorization": f"Bearer {mint(settings, org=org)}"}
    calls.clear()
    assert (await client.get(f"/v1/things/lean/{thing}", headers=auth)).status_code == 200
    assert calls == [f"/v1/things/lean/{thing}"]


def test_the_fastapi_internals_the_lean_handler_reads_are_still_there():
    """`lean_handler` re-does part of FastAPI's `solve_dependencies` with its internals; this
    fails loudly when uv.lock moves FastAPI, or when those internals change shape."""
    lock = (Path(__file__).resolve().parents[2] / "uv.lock").read_text()
    locked = re.search(r'\nname = "fastapi"\nversion = "([^"]+)"', lock)
    assert locked is not None
    assert fastapi.__version__ == locked.group(1), "the environment is not synced to uv.lock"
    assert locked.group(1) == FASTAPI_CHECKED, (
        f"uv.lock moves FastAPI to {locked.group(1)}; the lean handler was checked against "
        f"{FASTAPI_CHECKED}: compare services/common/routing.py with FastAPI's "
        "solve_dependencies and request handler, then update FASTAPI_CHECKED"
    )
    fields = {f.name for f in dataclasses.fields(Dependant)}
    assert fields >= {
        "path_params",
        "query_params",
        "header_params",
        "cookie_params",
        "body_params",
        "dependencies",
        "name",
        "call",
        "request_param_name",
        "websocket_param_name",
        "http_connection_param_name",
        "response_param_name",
        "background_tasks_param_name",
        "security_scopes_param_name",
        "use_cache",
    }
    validate = inspect.signature(ModelField.validate).parameters
    assert list(validate)[:3] == ["self", "value", "values"] and "loc" in validate
    assert "dependency_overrides_provider" in inspect.signature(APIRoute.__init__).parameters
    assert route("/v1/things/lean/{thing_id}").dependency_overrides_provider is SERVING_APP
