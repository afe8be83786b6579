"""Column types and search documents shared by the campaigns service's tables."""

from __future__ import annotations

from sqlalchemy import (
    Numeric,
)

# What `q` searches on each list (services/common/search/; columns of migration 0010)


INITIATIVE_SEARCH_SQL = (
    "code || ' ' || title_ar || ' ' || coalesce(title_en, '') || ' ' || "
    "coalesce(description_ar, '')"
)
CAMPAIGN_SEARCH_SQL = (
    "code || ' ' || title_ar || ' ' || coalesce(title_en, '') || ' ' || objective_ar"
)
KEY_MESSAGE_SEARCH_SQL = "code || ' ' || topic"
# what a key message says: each version's wording (migration 0017_search_more)
KEY_MESSAGE_VERSION_SEARCH_SQL = "text_ar || ' ' || coalesce(text_en, '')"

Money = Numeric(18, 2)
Figure = Numeric(20, 4)
