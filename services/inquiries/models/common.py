"""What the inquiry tables share: the value sets their checks allow, the eager defaults
and the stored search expressions."""

from __future__ import annotations

from typing import Any

KINDS = ("question", "complaint", "suggestion", "compliment", "request", "media_request")
PRIORITIES = ("low", "normal", "high", "urgent")
VISIBILITIES = ("public", "internal")
AUTHOR_TYPES = ("staff", "citizen", "system")

# Server-side values (the search column, an `onupdate` timestamp when a write happens to
# keep `updated_at`) come back with RETURNING, never by a lazy load in async code.
EAGER: dict[str, Any] = {"eager_defaults": True}

# The stored search form of subject + body (see services/common/arabic.py).
SEARCH_TEXT_SQL = "inquiry_normalize_ar(((subject)::text || ' '::text) || body)"
# … and its stemmed document for full-text search (see services/common/search/)
SEARCH_VECTOR_SQL = "common_search_vector_ar(((subject)::text || ' '::text) || body)"
