"""Entity tags for single resources and the `If-Match` precondition."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from fastapi import Request, Response

from services.common.errors import PreconditionFailed


def etag_for(resource_id: Any, updated_at: datetime) -> str:
    digest = hashlib.sha256(f"{resource_id}:{updated_at.isoformat()}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def set_etag(response: Response, resource_id: Any, updated_at: datetime) -> str:
    tag = etag_for(resource_id, updated_at)
    response.headers["ETag"] = tag
    return tag


def check_if_match(request: Request, resource_id: Any, updated_at: datetime) -> None:
    """412 when the client's `If-Match` names another version. No header: no precondition."""
    header = request.headers.get("if-match")
    if header is None:
        return
    current = etag_for(resource_id, updated_at)
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed()
