"""`/v1/inquiries/imports`: bulk imports of inquiries (the kernel's routes, this
service's kind)."""

from __future__ import annotations

from services.common.imports.api import imports_router
from services.inquiries import imports as _kinds  # noqa: F401  (registers the kind)

router = imports_router("/v1/inquiries/imports", "inquiries", "inquiry imports")
