"""Schema for stemmed Arabic full-text search: the hub's search rule as SQL functions, the
words table for typo corrections, and a stored `tsvector` with a GIN index on every
searched table.

Revision ID: 0010_search
Revises: 0009_campaigns
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_search"
down_revision: str | None = "0009_campaigns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The twin of services/common/search.py's SEARCH_FORM_PATTERN (tests/common/test_search.py
# checks both sides agree on a corpus): after the hub's normalization
# (`inquiry_normalize_ar`, migration 0004), a definite article and what is attached before
# it (و ف, ب ك ل) come off the front of a word that keeps at least three Arabic letters.
ARABIC_LETTER = "\u0621-\u064a"
SEARCH_FORM_PATTERN = f"(^|[^{ARABIC_LETTER}])[وف]?(?:[بكل]?ال|لل)(?=[{ARABIC_LETTER}]{{3}})"

SEARCH_FORM_FUNCTION = f"""
CREATE FUNCTION common_search_form_ar(input text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT regexp_replace(inquiry_normalize_ar(input), '{SEARCH_FORM_PATTERN}', '\\1', 'g')
$$
"""

# The stored document: the search form stemmed by PostgreSQL's Arabic configuration.
SEARCH_VECTOR_FUNCTION = """
CREATE FUNCTION common_search_vector_ar(input text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT to_tsvector('pg_catalog.arabic'::regconfig, common_search_form_ar(input))
$$
"""

INQUIRY_VECTOR = "common_search_vector_ar(((subject)::text || ' '::text) || body)"

# the searched text of the campaigns service's lists (services/campaigns/models.py)
SEARCHED: dict[str, str] = {
    "campaign_initiative": (
        "code || ' ' || title_ar || ' ' || coalesce(title_en, '') || ' ' || "
        "coalesce(description_ar, '')"
    ),
    "campaign_campaign": (
        "code || ' ' || title_ar || ' ' || coalesce(title_en, '') || ' ' || objective_ar"
    ),
    "campaign_key_message": "code || ' ' || topic",
}


def _add_search_columns(table: str, document: str) -> None:
    """`search_text` (normalized, trigram GIN) and `search_vector` (stemmed, GIN)."""
    op.add_column(
        table,
        sa.Column(
            "search_text",
            sa.Text(),
            sa.Computed(f"inquiry_normalize_ar({document})", persisted=True),
            nullable=True,
        ),
    )
    op.add_column(
        table,
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(f"common_search_vector_ar({document})", persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        f"ix_{table}_search_text",
        table,
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_index(
        f"ix_{table}_search_vector",
        table,
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )


def _drop_search_columns(table: str) -> None:
    op.drop_index(f"ix_{table}_search_vector", table_name=table, postgresql_using="gin")
    op.drop_index(f"ix_{table}_search_text", table_name=table, postgresql_using="gin")
    op.drop_column(table, "search_vector")
    op.drop_column(table, "search_text")


def upgrade() -> None:
    op.execute(SEARCH_FORM_FUNCTION)
    op.execute(SEARCH_VECTOR_FUNCTION)

    # the corpus's words (search forms), for typo corrections by trigram word similarity
    op.create_table(
        "common_search_word",
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("documents", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_common_search_word")),
    )
    op.create_index(
        "ix_common_search_word_word_trgm",
        "common_search_word",
        ["word"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    # how far each source's rows have been read into the words table
    op.create_table(
        "common_search_word_source",
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("read_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_common_search_word_source")),
    )

    op.add_column(
        "inquiry",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(INQUIRY_VECTOR, persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_inquiry_search_vector",
        "inquiry",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    for table, document in SEARCHED.items():
        _add_search_columns(table, document)


def downgrade() -> None:
    for table in SEARCHED:
        _drop_search_columns(table)
    op.drop_index("ix_inquiry_search_vector", table_name="inquiry", postgresql_using="gin")
    op.drop_column("inquiry", "search_vector")
    op.drop_table("common_search_word_source")
    op.drop_index(
        "ix_common_search_word_word_trgm",
        table_name="common_search_word",
        postgresql_using="gin",
        postgresql_ops={"word": "gin_trgm_ops"},
    )
    op.drop_table("common_search_word")
    op.execute("DROP FUNCTION common_search_vector_ar(text)")
    op.execute("DROP FUNCTION common_search_form_ar(text)")
