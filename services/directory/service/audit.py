"""The audit trail as the directory serves it (`GET /v1/audit`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.auth import Principal
from services.common.models import AuditEntry
from services.common.pagination import PageParams
from services.directory.repository import audit as repo

# The list's filters are the repository's query description; routers take them here.
AuditFilters = repo.AuditFilters


async def list_visible(
    session: AsyncSession, principal: Principal, filters: AuditFilters, page: PageParams
) -> tuple[list[AuditEntry], str | None]:
    """The entries the principal may see, newest first; one page (keyset)."""
    return await repo.list_visible(session, principal, filters, page)
