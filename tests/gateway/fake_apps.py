"""Small FastAPI apps standing in for the four services' OpenAPI documents.

They collide on purpose: `Channel` differs between directory and inquiries, `Wrapper` reads
the same in directory and campaigns but wraps a different `Item`, `Money` is identical in
calendar and campaigns, and calendar and campaigns share an operationId.

No `from __future__ import annotations` here: the models are local to each factory, and
FastAPI must resolve their annotations eagerly.
"""

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel


def _with_ops(app: FastAPI, name: str) -> FastAPI:
    ops = APIRouter(tags=["operations"])

    @ops.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": name}

    @ops.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ready"}

    app.include_router(ops)
    return app


def directory_app() -> FastAPI:
    class User(BaseModel):
        id: str
        name_ar: str

    class Channel(BaseModel):
        id: str
        kind: str

    class Item(BaseModel):
        user_id: str

    class Wrapper(BaseModel):
        item: Item

    app = FastAPI(title="directory", version="1.0.0", openapi_tags=[{"name": "users"}])

    @app.get("/v1/users", tags=["users"])
    async def list_users() -> list[User]:
        return []

    @app.get("/v1/channels", tags=["channels"])
    async def list_channels() -> list[Channel]:
        return []

    @app.get("/v1/audit/wrapped")
    async def wrapped() -> Wrapper:
        return Wrapper(item=Item(user_id="u"))

    @app.get("/internal/debug")
    async def debug() -> dict[str, str]:
        return {}

    return _with_ops(app, "directory")


def inquiries_app() -> FastAPI:
    class Channel(BaseModel):
        name: str
        phone: str

    class Inquiry(BaseModel):
        id: str
        subject: str
        channel: Channel

    app = FastAPI(title="inquiries", version="1.0.0")

    @app.post("/v1/inquiries", status_code=201, tags=["inquiries"])
    async def create_inquiry(body: Inquiry) -> Inquiry:
        return body

    @app.get("/v1/channels/whatsapp/webhook", tags=["whatsapp"])
    async def verify_whatsapp(challenge: str = "") -> str:
        return challenge

    return _with_ops(app, "inquiries")


def calendar_app() -> FastAPI:
    class Money(BaseModel):
        amount: int
        currency: str

    class Entry(BaseModel):
        id: str
        title_ar: str
        budget: Money | None = None

    app = FastAPI(title="calendar", version="1.0.0")

    @app.get("/v1/calendar/entries", tags=["calendar"])
    async def list_entries() -> list[Entry]:
        return []

    @app.get("/v1/calendar/ping", operation_id="ping")
    async def ping() -> dict[str, str]:
        return {}

    return _with_ops(app, "calendar")


def campaigns_app() -> FastAPI:
    class Money(BaseModel):
        amount: int
        currency: str

    class Item(BaseModel):
        campaign_id: str
        flights: int

    class Wrapper(BaseModel):
        item: Item

    class Campaign(BaseModel):
        id: str
        budget: Money

    app = FastAPI(title="campaigns", version="1.2.0")

    @app.get("/v1/campaigns", tags=["campaigns"])
    async def list_campaigns() -> list[Campaign]:
        return []

    @app.get("/v1/kpis/wrapped")
    async def wrapped() -> Wrapper:
        return Wrapper(item=Item(campaign_id="c", flights=1))

    @app.get("/v1/campaigns/ping", operation_id="ping")
    async def ping() -> dict[str, str]:
        return {}

    return _with_ops(app, "campaigns")


def fake_service_apps() -> dict[str, FastAPI]:
    return {
        "directory": directory_app(),
        "inquiries": inquiries_app(),
        "calendar": calendar_app(),
        "campaigns": campaigns_app(),
    }
