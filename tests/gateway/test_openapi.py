"""The merged OpenAPI 3.1 document: built in process and served by the gateway alike."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from openapi_spec_validator import validate

from gateway.openapi import build_merged_openapi, merge_openapi
from tests.gateway.conftest import free_port
from tests.gateway.fake_apps import fake_service_apps

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    return build_merged_openapi(fake_service_apps())


def refs_in(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.add(value)
            else:
                found |= refs_in(value)
    elif isinstance(node, list):
        for item in node:
            found |= refs_in(item)
    return found


def test_merged_document_is_valid_openapi_31(merged) -> None:
    validate(merged)
    assert merged["openapi"] == "3.1.0"
    assert merged["info"]["title"] == "govhub — unified government communication hub"
    assert merged["info"]["version"] == "1.2.0"  # the highest of the services'
    assert any("\u0600" <= char <= "\u06ff" for char in merged["info"]["description"])
    assert merged["servers"] == [{"url": "/"}]


def test_paths_from_every_service_and_the_gateway(merged) -> None:
    paths = merged["paths"]
    for path in (
        "/v1/users",
        "/v1/channels",
        "/v1/inquiries",
        "/v1/channels/whatsapp/webhook",
        "/v1/calendar/entries",
        "/v1/campaigns",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    assert "/metrics" not in paths
    assert "/internal/debug" not in paths  # not routed by the gateway: unreachable
    assert paths["/healthz"]["get"]["tags"] == ["operations"]
    assert paths["/healthz"]["get"]["security"] == []
    ready = paths["/readyz"]["get"]["responses"]
    assert ready["503"]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    operation_ids = [
        operation["operationId"]
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"ping", "campaigns_ping"} <= set(operation_ids)


def test_schema_collisions_are_prefixed_only_when_they_differ(merged) -> None:
    schemas = merged["components"]["schemas"]
    # two definitions of one name: the first service keeps it, the other is prefixed
    assert set(schemas["Channel"]["properties"]) == {"id", "kind"}
    assert set(schemas["InquiriesChannel"]["properties"]) == {"name", "phone"}
    assert "DirectoryChannel" not in schemas
    # same text, but wrapping different Items: told apart as well
    assert schemas["Wrapper"]["properties"]["item"] == {"$ref": "#/components/schemas/Item"}
    assert set(schemas["Item"]["properties"]) == {"user_id"}
    assert schemas["CampaignsWrapper"]["properties"]["item"] == {
        "$ref": "#/components/schemas/CampaignsItem"
    }
    assert set(schemas["CampaignsItem"]["properties"]) == {"campaign_id", "flights"}
    # identical everywhere: one plain name
    assert "Money" in schemas and "CalendarMoney" not in schemas
    assert "HTTPValidationError" in schemas
    inquiry = schemas["Inquiry"]["properties"]["channel"]
    assert inquiry == {"$ref": "#/components/schemas/InquiriesChannel"}
    channels = merged["paths"]["/v1/channels"]["get"]["responses"]["200"]
    assert refs_in(channels) == {"#/components/schemas/Channel"}
    kpis = merged["paths"]["/v1/kpis/wrapped"]["get"]["responses"]["200"]
    assert refs_in(kpis) == {"#/components/schemas/CampaignsWrapper"}
    # every reference resolves
    for ref in refs_in(merged):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in merged["components"][section], ref


def spec_with(schemas: dict[str, Any], path: str, ref: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            path: {
                "get": {
                    "operationId": path,
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": f"#/components/schemas/{ref}"}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {"schemas": schemas},
    }


def test_the_definition_most_services_share_keeps_the_name() -> None:
    shared = {"type": "object", "properties": {"code": {"type": "string"}}}
    odd = {"type": "object", "properties": {"reason": {"type": "string"}}}
    gateway_own = {"type": "object", "properties": {"status": {"type": "integer"}}}
    merged = merge_openapi(
        {
            "directory": spec_with({"Problem": shared}, "/v1/users", "Problem"),
            "inquiries": spec_with({"Problem": shared}, "/v1/inquiries", "Problem"),
            "calendar": spec_with({"Problem": odd}, "/v1/calendar/entries", "Problem"),
        },
        gateway=spec_with({"Problem": gateway_own}, "/readyz", "Problem"),
    )
    validate(merged)
    schemas = merged["components"]["schemas"]
    assert schemas["Problem"] == shared
    assert schemas["GatewayProblem"] == gateway_own
    assert schemas["CalendarProblem"] == odd
    assert "DirectoryProblem" not in schemas and "InquiriesProblem" not in schemas

    def ref_of(path: str) -> str:
        content = merged["paths"][path]["get"]["responses"]["200"]["content"]
        ref: str = content["application/json"]["schema"]["$ref"]
        return ref.rsplit("/", 1)[1]

    assert ref_of("/readyz") == "GatewayProblem"
    assert ref_of("/v1/users") == ref_of("/v1/inquiries") == "Problem"
    assert ref_of("/v1/calendar/entries") == "CalendarProblem"


def test_security_and_tags(merged) -> None:
    schemes = merged["components"]["securitySchemes"]
    flows = schemes["OAuth2"]["flows"]
    assert flows["password"]["tokenUrl"] == "/v1/auth/token"
    assert flows["clientCredentials"]["tokenUrl"] == "/v1/auth/token"
    assert schemes["BearerJWT"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["BearerJWT"]["description"],
    }
    # a token by default; anonymous operations say so themselves (services.common.apidocs)
    assert merged["security"] == [{"OAuth2": []}, {"BearerJWT": []}]
    names = [tag["name"] for tag in merged["tags"]]
    assert names[0] == "operations" and "users" in names and len(names) == len(set(names))


def test_unroutable_paths_are_logged(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="govhub.gateway.openapi"):
        build_merged_openapi(fake_service_apps())
    assert "/internal/debug" in caplog.text


def test_merge_keeps_gateway_names_and_renames_security_requirements() -> None:
    gateway: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "g", "version": "1"},
        "paths": {},
        "components": {"securitySchemes": {"OAuth2": {"type": "http", "scheme": "bearer"}}},
    }
    service: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "s", "version": "1"},
        "paths": {
            "/v1/users": {
                "get": {
                    "operationId": "users",
                    "security": [{"OAuth2": ["read"]}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {
            "securitySchemes": {"OAuth2": {"type": "http", "scheme": "basic"}},
        },
    }
    merged = merge_openapi({"directory": service}, gateway=gateway)
    schemes = merged["components"]["securitySchemes"]
    assert schemes["OAuth2"]["scheme"] == "bearer"
    assert schemes["DirectoryOAuth2"]["scheme"] == "basic"
    assert merged["paths"]["/v1/users"]["get"]["security"] == [{"DirectoryOAuth2": ["read"]}]
    # the inputs are left as they were
    assert service["paths"]["/v1/users"]["get"]["security"] == [{"OAuth2": ["read"]}]


async def test_gateway_serves_the_same_document(gateway, upstreams, merged) -> None:
    response = await gateway.client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == merged
    again = await gateway.client.get("/openapi.json")
    assert again.content == response.content


async def test_openapi_names_services_it_could_not_reach(make_gateway, upstreams) -> None:
    gateway = await make_gateway(campaigns_url=f"http://127.0.0.1:{free_port()}")
    response = await gateway.client.get("/openapi.json")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["checks"]["campaigns"] == "down"
    assert response.json()["checks"]["directory"] == "up"
