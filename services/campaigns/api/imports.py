"""`/v1/campaigns/imports`: bulk imports of initiatives and KPI values (the kernel's routes,
this service's kinds)."""

from __future__ import annotations

from services.campaigns import imports as _kinds  # noqa: F401  (registers the kinds)
from services.common.imports.api import imports_router

router = imports_router("/v1/campaigns/imports", "campaigns", "campaigns imports")
