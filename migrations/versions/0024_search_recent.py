"""The newest matches of a query by a time-bucketed index.

`sort=relevance` ranks the newest 300 matches of a query. For a word in 1.2 % of a million
inquiries, finding them walked 23,000 rows newest first (17 ms); the GIN indexes of the
stored vector and text can only give every match, in no order. `common_search_recent_ar`
writes each lexeme of a row's stored vector and each trigram of its normalized text (as
pg_trgm's `show_trgm` gives them) with the week of its creation: `2970|سيول`, `2970#…`
(weeks since 1970, as `services.common.search.bucket_of` counts them). Its GIN index then
reads a word's or a substring's posting lists for the last weeks alone. An expression
index: the table keeps no third document. It costs an intake about 60 µs of PostgreSQL's
time to build the document, and the index's entries.

`common_search_recent_substring_ar` turns a substring into the index's query for some
weeks: the trigrams every text holding it has (those of the substring that stay when a
letter is glued to each end: its first and last words may be parts of longer ones).

COST 1000: rebuilding a row's bucketed document costs about 60 µs; a plan that would test
it on every row it walks is priced as such.

Revision ID: 0024_search_recent
Revises: 0023_tree_statistics
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_search_recent"
down_revision: str | None = "0023_tree_statistics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# `{trgm}`: pg_trgm's schema. An index's expression runs with a search path of
# pg_catalog alone, so the function names it.
RECENT_FUNCTION = """
CREATE FUNCTION common_search_recent_ar(
    document tsvector, searched text, created timestamptz
) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$
  SELECT array_to_tsvector(array_cat(
    CASE WHEN length(document) > 0 THEN string_to_array(
      week || '|' || array_to_string(tsvector_to_array(document), E'\\x01' || week || '|'),
      E'\\x01') ELSE '{{}}'::text[] END,
    CASE WHEN searched <> '' THEN string_to_array(
      week || '#' || array_to_string({trgm}.show_trgm(searched), E'\\x01' || week || '#'),
      E'\\x01') ELSE '{{}}'::text[] END))
  FROM (SELECT floor(extract(epoch FROM created) / 604800)::bigint::text) AS w(week)
$$
"""

SUBSTRING_FUNCTION = """
CREATE FUNCTION common_search_recent_substring_ar(pattern text, weeks bigint[])
RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
  SELECT string_agg('(' || q.conjunction || ')', ' | ')::tsquery
  FROM (
    SELECT string_agg(
      '''' || replace(replace(w::text || '#' || g.trigram, '\\', '\\\\'), '''', '''''') || '''',
      ' & ') AS conjunction
    FROM unnest(weeks) AS w,
         (SELECT unnest({trgm}.show_trgm(pattern))
          INTERSECT
          SELECT unnest({trgm}.show_trgm('x' || pattern || 'x'))) AS g(trigram)
    GROUP BY w
  ) AS q
$$
"""


def upgrade() -> None:
    trgm = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT quote_ident(n.nspname) FROM pg_extension e "
                "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            )
        )
        .scalar_one()
    )
    op.execute(RECENT_FUNCTION.format(trgm=trgm))
    op.execute(SUBSTRING_FUNCTION.format(trgm=trgm))
    op.execute(
        "CREATE INDEX ix_inquiry_search_recent ON inquiry "
        "USING gin (common_search_recent_ar(search_vector, search_text, created_at))"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_inquiry_search_recent")
    op.execute("DROP FUNCTION common_search_recent_substring_ar(text, bigint[])")
    op.execute("DROP FUNCTION common_search_recent_ar(tsvector, text, timestamptz)")
