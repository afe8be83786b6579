"""Schema for search_more: calendar entries join the hub's stemmed Arabic search.

`calendar_entry.search_vector` is the stored, stemmed document of the entry's searched
text (`search_text`: its titles and descriptions, normalized by the calendar service) by
the hub's rule (`common_search_vector_ar`, migration 0010_search), with a GIN index; the
trigram index of `search_text` (0008_calendar) keeps answering substrings. The index on
`updated_at` is the worker's way to the entries written since its last read of their
words (typo corrections, `services.calendar.handlers.collect_search_words`).

Key messages: each version's wording gets the same two columns as the searched tables of
0010_search (`search_text` with a trigram GIN index, `search_vector` with a GIN index),
so the key messages' `q` finds what was said, not only the topic.

Revision ID: 0017_search_more
Revises: 0016_imports_more
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_search_more"
down_revision: str | None = "0016_imports_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_VECTOR = "common_search_vector_ar(search_text)"

# what a key message says: each version's wording, searched by the key messages' `q`
# beside the topic (services/campaigns/models/common.py)
VERSION_TABLE = "campaign_key_message_version"
VERSION_DOCUMENT = "text_ar || ' ' || coalesce(text_en, '')"


def upgrade() -> None:
    op.add_column(
        "calendar_entry",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(ENTRY_VECTOR, persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_calendar_entry_search_vector",
        "calendar_entry",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index("ix_calendar_entry_updated_at", "calendar_entry", ["updated_at"])

    # the twin of 0010_search's searched tables: normalized text (trigram GIN), vector (GIN)
    op.add_column(
        VERSION_TABLE,
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed(f"inquiry_normalize_ar({VERSION_DOCUMENT})", persisted=True),
            nullable=True,
        ),
    )
    op.add_column(
        VERSION_TABLE,
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(f"common_search_vector_ar({VERSION_DOCUMENT})", persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        f"ix_{VERSION_TABLE}_search_text",
        VERSION_TABLE,
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index(
        f"ix_{VERSION_TABLE}_search_vector",
        VERSION_TABLE,
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index(f"ix_{VERSION_TABLE}_search_vector", table_name=VERSION_TABLE)
    op.drop_index(f"ix_{VERSION_TABLE}_search_text", table_name=VERSION_TABLE)
    op.drop_column(VERSION_TABLE, "search_vector")
    op.drop_column(VERSION_TABLE, "search_text")
    op.drop_index("ix_calendar_entry_updated_at", table_name="calendar_entry")
    op.drop_index(
        "ix_calendar_entry_search_vector", table_name="calendar_entry", postgresql_using="gin"
    )
    op.drop_column("calendar_entry", "search_vector")
