"""`/v1/calendar/imports`: bulk imports of calendar entries (the kernel's routes, this
service's kind `entries`)."""

from __future__ import annotations

from services.calendar import imports as _kinds  # noqa: F401  (registers the kind)
from services.common.imports.api import imports_router

router = imports_router("/v1/calendar/imports", "calendar", "calendar imports")
