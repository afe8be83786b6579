"""Open311 GeoReport v2 documents. The JSON bodies are these models dumped in field order;
the XML bodies carry the same fields as elements (see `xml.py`). Field descriptions follow
the GeoReport v2 specification; what each field holds in govhub is said after it."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


class Open311Format(StrEnum):
    JSON = "json"
    XML = "xml"


class Open311ErrorEntry(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": 403, "description": "api_key غير صالح"}]}
    )

    code: int = Field(description="The HTTP status of the response.", examples=[400])
    description: str = Field(
        description="What went wrong (Arabic by default, English with `Accept-Language: en`).",
        examples=["service_code was not provided"],
    )


class Open311Endpoint(BaseModel):
    specification: str = Field(description="The specification served.", examples=[SPECIFICATION])
    url: str = Field(
        description="Base URL of the endpoint.", examples=["http://127.0.0.1:8000/open311/v2"]
    )
    changeset: str = Field(description="When the service list or definitions last changed.")
    type: Literal["production", "test"] = Field(description="Stability of the endpoint.")
    formats: list[str] = Field(
        description="Media types served.", examples=[["text/xml", "application/json"]]
    )


class Open311Discovery(BaseModel):
    changeset: str = Field(
        description="When the service list or a definition last changed (RFC 3339): clients "
        "refresh cached services when it moves.",
        examples=["2026-03-01T09:30:00+00:00"],
    )
    contact: str = Field(description="Who to ask about the API.")
    key_service: str = Field(description="How to obtain an `api_key`.")
    endpoints: list[Open311Endpoint]


class Open311Service(BaseModel):
    """A public, active inquiry category of the jurisdiction or of an organization above it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_code": "water-leak",
                    "service_name": "تسرب المياه",
                    "description": "بلاغات تسرب المياه في الشوارع والأحياء",
                    "metadata": False,
                    "type": "realtime",
                    "keywords": "تسرب المياه, Water leak",
                    "group": "المياه والصرف",
                }
            ]
        }
    )

    service_code: str = Field(description="The category `code`.", examples=["water-leak"])
    service_name: str = Field(
        description="The category name (Arabic; English with `Accept-Language: en` when set).",
        examples=["تسرب المياه"],
    )
    description: str | None = Field(description="The category description.")
    metadata: bool = Field(
        description="Whether a service definition adds attributes: always false (govhub "
        "categories take no extra attributes)."
    )
    type: Literal["realtime", "batch", "blackbox"] = Field(
        description="`realtime`: the request is created synchronously and its "
        "`service_request_id` returned at once."
    )
    keywords: str | None = Field(
        description="Comma-separated: the Arabic and English names.",
        examples=["تسرب المياه, Water leak"],
    )
    group: str | None = Field(
        description="The parent category's name, when the parent is public too.",
        examples=["المياه والصرف"],
    )


class Open311AttributeValue(BaseModel):
    key: str
    name: str


class Open311Attribute(BaseModel):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None = None
    order: int | None = None
    description: str | None = None
    values: list[Open311AttributeValue] = Field(default_factory=list)


class Open311ServiceDefinition(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"service_code": "water-leak", "attributes": []}]}
    )

    service_code: str = Field(examples=["water-leak"])
    attributes: list[Open311Attribute] = Field(
        description="Extra form fields of the service: none in govhub (`metadata` is false)."
    )


class Open311Request(BaseModel):
    """A service request as anyone may read it: never contact details, internal notes,
    staff names or the tracking token."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_request_id": "INQ-2026-000123",
                    "status": "open",
                    "status_notes": "قيد المعالجة",
                    "service_name": "تسرب المياه",
                    "service_code": "water-leak",
                    "description": "تسرب مياه مستمر أمام المنزل رقم ١٢ منذ ثلاثة أيام",
                    "agency_responsible": "أمانة منطقة الرياض",
                    "service_notice": "يُتوقع حل البلاغ خلال 40 ساعة عمل",
                    "requested_datetime": "2026-03-01T09:30:00+00:00",
                    "updated_datetime": "2026-03-01T11:02:41+00:00",
                    "expected_datetime": "2026-03-08T13:30:00+00:00",
                    "address": "حي النزهة، الرياض",
                    "address_id": None,
                    "zipcode": None,
                    "lat": 24.7136,
                    "long": 46.6753,
                    "media_url": None,
                }
            ]
        }
    )

    service_request_id: str = Field(
        description="The inquiry `reference`.", examples=["INQ-2026-000123"]
    )
    status: Literal["open", "closed"] = Field(
        description="`open`: new, assigned, in_progress, awaiting_citizen; `closed`: "
        "resolved, closed, rejected."
    )
    status_notes: str | None = Field(
        description="The workflow state in words, with the resolution or the rejection "
        "reason once there is one."
    )
    service_name: str | None = Field(description="The category name.")
    service_code: str = Field(description="The category code.")
    description: str | None = Field(
        description="The citizen's text as sent (escaped), at most 4000 characters."
    )
    agency_responsible: str | None = Field(
        description="The organization that owns the inquiry now (after routing/transfers)."
    )
    service_notice: str | None = Field(description="The resolution target in business time.")
    requested_datetime: str = Field(description="When it was received (RFC 3339).")
    updated_datetime: str | None = Field(
        description="Last change; for closed requests, when it was resolved/closed/rejected."
    )
    expected_datetime: str | None = Field(
        description="The SLA resolution due time, counted in the owning organization's "
        "business hours."
    )
    address: str | None = Field(description="The address given with the request.")
    address_id: str | None = Field(description="Always null: no master address repository.")
    zipcode: str | None = Field(description="Always null.")
    lat: float | None = Field(description="WGS 84 latitude.")
    long: float | None = Field(description="WGS 84 longitude.")
    media_url: str | None = Field(
        description="Always null for now: inquiries keep no media column (the URL sent "
        "with a request is kept in an internal note for staff)."
    )


class Open311Receipt(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_request_id": "INQ-2026-000123",
                    "service_notice": "يُتوقع حل البلاغ خلال 40 ساعة عمل",
                }
            ]
        }
    )

    service_request_id: str = Field(
        description="The inquiry `reference` (created synchronously, so no `token`)."
    )
    service_notice: str | None = Field(description="The resolution target in business time.")
    account_id: str | None = Field(
        None, description="The `account_id` sent, echoed (absent when none was sent)."
    )


class Open311Token(BaseModel):
    service_request_id: str = Field(examples=["INQ-2026-000123"])
    token: str = Field(
        description="Requests are created synchronously: a token is the request's own "
        "`service_request_id`.",
        examples=["INQ-2026-000123"],
    )


class ServiceRequestIn(BaseModel):
    """The fields of `POST requests` (form body; query parameters are accepted too)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "jurisdiction_id": "RIYADH",
                    "api_key": "demo-ministry-client:<client_secret>",
                    "service_code": "water-leak",
                    "lat": 24.7136,
                    "long": 46.6753,
                    "address_string": "حي النزهة، الرياض",
                    "description": "تسرب مياه مستمر أمام المنزل رقم ١٢ منذ ثلاثة أيام",
                    "first_name": "محمد",
                    "last_name": "عبدالله",
                    "phone": "+966501234567",
                }
            ]
        },
    )

    jurisdiction_id: str | None = Field(
        None,
        max_length=50,
        description="Organization code; required when several organizations offer services.",
        examples=["RIYADH"],
    )
    api_key: str | None = Field(
        None,
        max_length=400,
        description="`<client_id>:<client_secret>` of a machine client (directory "
        "`/v1/api-clients`) holding the `inquiries:write` scope. Alternatively send "
        "`Authorization: Bearer <token>`.",
        json_schema_extra={"format": "password"},
    )
    service_code: str | None = Field(
        None, max_length=50, description="Required: a `service_code` of `services`."
    )
    lat: float | None = Field(None, ge=-90, le=90, description="WGS 84 latitude (with `long`).")
    long: float | None = Field(None, ge=-180, le=180, description="WGS 84 longitude (with `lat`).")
    address_string: str | None = Field(
        None, max_length=500, description="Human-readable address (or lat/long)."
    )
    address_id: str | None = Field(
        None,
        max_length=200,
        description="Accepted only beside lat/long or address_string (no address repository); "
        "kept in an internal note.",
    )
    email: str | None = Field(None, max_length=320, description="The requester's e-mail.")
    device_id: str | None = Field(
        None, max_length=200, description="Kept in an internal note for staff."
    )
    account_id: str | None = Field(
        None, max_length=200, description="Kept in an internal note and echoed in the answer."
    )
    first_name: str | None = Field(None, max_length=100, description="The requester's name.")
    last_name: str | None = Field(None, max_length=100, description="The requester's surname.")
    phone: str | None = Field(
        None, max_length=30, description="E.164, e.g. +966501234567.", examples=["+966501234567"]
    )
    description: str | None = Field(
        None,
        max_length=4000,
        description="Free text up to 4000 characters, stored exactly as sent (Arabic, emoji, "
        "markup — always returned escaped).",
    )
    media_url: str | None = Field(
        None, max_length=2000, description="An http(s) URL; kept in an internal note."
    )


def service_request_form_schema() -> dict[str, Any]:
    """`ServiceRequestIn`'s schema as a form states it: a form field is absent or a text,
    never null (the model's `X | None` is how an absent field reads), so the null branch
    of each optional field is left out (a client sending `lat=null` sends the text "null")."""
    schema = ServiceRequestIn.model_json_schema()
    for name, field in schema["properties"].items():
        branches = field.get("anyOf")
        if isinstance(branches, list):
            kept = [b for b in branches if b != {"type": "null"}]
            if len(kept) == 1:
                del field["anyOf"]
                field.update(kept[0])
        schema["properties"][name] = field
    return schema
