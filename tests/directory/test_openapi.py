"""The directory's OpenAPI: every operation documented, errors as problem documents."""

from __future__ import annotations

from services.directory.app import create_app


def test_every_operation_is_documented(settings):
    spec = create_app(settings).openapi()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            if path.startswith("/v1") or path.startswith("/.well-known"):
                assert operation.get("description"), where
            for code, answer in operation["responses"].items():
                if code.startswith(("4", "5")):
                    assert list(answer["content"]) == ["application/problem+json"], where
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "Problem" in schemas
    assert "examples" in schemas["OrganizationCreate"]
    assert "بلدية" in str(schemas["OrganizationCreate"]["examples"])
    token = spec["paths"]["/v1/auth/token"]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
