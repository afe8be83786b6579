"""The audit trail: every create, update, delete and state change, in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.context import request_id_var
from services.common.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """`{field: [old, new]}` for the fields that changed."""
    return {
        k: [_jsonable(before.get(k)), _jsonable(v)] for k, v in after.items() if before.get(k) != v
    }


def entry(
    *,
    service: str,
    principal: Principal | None,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of one audit row (`occurred_at` is the database's clock)."""
    return {
        "id": uuid.uuid4(),
        "service": service,
        "actor_id": principal.subject if principal else None,
        "actor_type": principal.kind if principal else "anonymous",
        "organization_id": organization_id,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "changes": _jsonable(changes or {}),
        "request_id": request_id_var.get(),
    }


# set while a bulk import runs a service's own use cases row by row: the import is audited
# as one entry (the job's, written by the import runner), not one per row
_folded: ContextVar[bool] = ContextVar("govhub_audit_folded", default=False)


@contextmanager
def folded() -> Iterator[None]:
    """`record` writes nothing inside: the caller audits the whole unit once itself."""
    token = _folded.set(True)
    try:
        yield
    finally:
        _folded.reset(token)


async def record(session: AsyncSession, **what: Any) -> None:
    """Adds the audit row of `entry(**what)` to the session's unit of work (nothing inside
    `folded`)."""
    if _folded.get():
        return
    session.add(AuditEntry(**entry(**what)))
