"""The token endpoint's answers and the published keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TokenForm(BaseModel):
    """The token request's form fields (documentation: the body is read by
    `services.common.forms.parse_token_form`, the same parser as the gateway's)."""

    model_config = ConfigDict(title="TokenRequestForm")

    grant_type: str = Field(description="`password` or `client_credentials`.")
    username: str | None = Field(
        None, description="Password grant: the username.", examples=["riyadh.agent"]
    )
    password: str | None = Field(
        None, description="Password grant: the password.", json_schema_extra={"format": "password"}
    )
    client_id: str | None = Field(
        None,
        description="Client credentials (unless HTTP Basic).",
        examples=["demo-ministry-client"],
    )
    client_secret: str | None = Field(
        None,
        description="Client credentials (unless HTTP Basic).",
        json_schema_extra={"format": "password"},
    )
    scope: str | None = Field(None, description="Space-separated subset of the client's scopes.")


class TokenOut(BaseModel):
    """RFC 6749 §5.1 access token response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJFZERTQSIsImtpZCI6IjNmMWMyYTllOGE1MTRhMGUi"
                    "LCJ0eXAiOiJKV1QifQ.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "scope": "inquiries:read inquiries:write",
                }
            ]
        }
    )

    access_token: str = Field(
        description="An EdDSA-signed JWT (`kid` in the header). Claims: iss, aud, sub (user id "
        "or client_id), iat, nbf, exp, jti, org (organization id), roles, scope, typ_principal "
        "(user|client), preferred_username."
    )
    token_type: str = Field("Bearer", description="Always `Bearer`.")
    expires_in: int = Field(description="Seconds until the token expires.")
    scope: str | None = Field(
        None, description="Granted scopes (machine clients), space-separated."
    )


class Jwk(BaseModel):
    model_config = ConfigDict(extra="allow")

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    x: str = Field(description="Public key, base64url.")
    kid: str = Field(description="Matches the `kid` header of the tokens.")
    alg: str = Field(examples=["EdDSA"])
    use: str = Field(examples=["sig"])


class Jwks(BaseModel):
    """RFC 7517 JSON Web Key Set."""

    keys: list[Jwk]
