"""The search in SQL: a parsed query as a condition on a stored document (lexemes, prefix
and substring matches), the stored columns and their indexes, and relevance (its window:
`window`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Computed,
    Float,
    Index,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import mapped_column
from sqlalchemy.sql.elements import ColumnElement, Label

from services.common.arabic import like_pattern
from services.common.search.query import SearchQuery, Term, parse
from services.common.search.words import (
    SUBSTRING_MIN,
)

if TYPE_CHECKING:
    from services.common.search.recent import Recent

RECENCY_PER_YEAR = 0.1


# A search's values are written into the statement (`literal_execute`), not sent as
# parameters: with parameters, a pooled connection's prepared statement switches to a
# generic plan after five runs, and PostgreSQL, blind to how rare the words are, then
# chose bitmap scans of both GIN indexes over the newest-first walk (1.5 s instead of 1 ms
# for a two-word query on 200 000 inquiries, bench/explain).
def inline(value: Any, type_: Any = None) -> ColumnElement[Any]:
    """`value` written into the statement (above)."""
    return literal(value, type_, literal_execute=True)


def inline_tsquery(text: str) -> ColumnElement[Any]:
    """A `tsquery`'s text written into the statement."""
    return cast(inline(text), TSQUERY)


def _term_match(term: Term, vector: Any, text: Any) -> ColumnElement[bool]:
    ts = term.tsquery()
    by_lexeme = vector.op("@@")(inline_tsquery(ts)) if ts else false()
    joined = " ".join(term.words)
    if len(joined) < SUBSTRING_MIN:
        return by_lexeme
    # The stored text is normalized but keeps its articles: the search form is a substring.
    # `strpos` decides it (a byte search, ~2× cheaper a row than LIKE's matcher: a
    # newest-first walk of 23 000 rows for a word in 1 % of a million inquiries went from
    # 76 to 34 ms); the equivalent LIKE after it, evaluated only where `strpos` found the
    # text, is what lets the planner use the trigram index for rare words (a bitmap arm).
    substring = and_(
        func.strpos(text, inline(joined)) > 0,
        text.like(inline(like_pattern(joined)), escape="\\"),
    )
    return or_(by_lexeme, substring)


def group_match(group: list[Term], vector: Any, text: Any) -> ColumnElement[bool]:
    """One group of `match`: any of its alternatives."""
    alternatives = [
        not_(_term_match(t, vector, text)) if t.negated else _term_match(t, vector, text)
        for t in group
    ]
    return alternatives[0] if len(alternatives) == 1 else or_(*alternatives)


def match(
    query: SearchQuery, vector: Any, text: Any, recent: Recent | None = None
) -> ColumnElement[bool]:
    """Rows whose `vector` (a `common_search_vector_ar` column) and normalized `text`
    (`inquiry_normalize_ar`, trigram-indexed) match `query`; with `recent`, only the rows
    of its weeks, found by the time-bucketed index (`Recent.match`)."""
    if not query:
        return false()
    if recent is not None:
        return recent.match(query, vector, text)
    return and_(true(), *(group_match(g, vector, text) for g in query.groups))


def q_description(fields: str) -> str:
    """The OpenAPI description of a list's `q` searching `fields`."""
    return (
        f"Search {fields}: the hub's Arabic search (README, section Search) — letters, "
        "diacritics and digits normalized, attached articles and prepositions "
        "(ال، و، ف، ب، ك، ل، لل) and plural endings taken off, Snowball Arabic stems, "
        'substrings too. Every word must match; `"…"` a phrase; `OR` or `أو` between '
        "alternatives; `-word` excludes. — بحث يفهم أدوات التعريف وحروف الجر والجموع."
    )


Q_EXAMPLES = ["حملة التوعية", '"الأمن المائي" OR المياه', "الحدائق -الصيانة"]


def filter_q(q: str, vector: Any, text: Any) -> ColumnElement[bool]:
    """`match(parse(q), vector, text)`: a list's `q` filter on a table's stored
    `search_vector` and `search_text` (see `search_columns`)."""
    return match(parse(q), vector, text)


def search_columns(document_sql: str) -> tuple[Any, Any]:
    """The two stored, generated columns of a searched table, from the SQL of its searched
    text (`document_sql`, IMMUTABLE: `||` and `coalesce`, not `concat_ws`): `search_text`,
    normalized for the trigram substring match, and `search_vector`, the stemmed document.
    Both deferred: lists filter on them, reads never load them."""
    text_column = mapped_column(
        Text, Computed(f"inquiry_normalize_ar({document_sql})", persisted=True), deferred=True
    )
    vector_column = mapped_column(
        TSVECTOR,
        Computed(f"common_search_vector_ar({document_sql})", persisted=True),
        deferred=True,
    )
    return text_column, vector_column


def search_indexes(table: str) -> tuple[Index, Index]:
    """The GIN indexes of `search_columns`: trigrams of the text, the vector's lexemes."""
    return (
        Index(
            f"ix_{table}_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index(f"ix_{table}_search_vector", "search_vector", postgresql_using="gin"),
    )


def rank_tsquery(query: SearchQuery) -> str:
    """Every positive term's lexemes OR-ed: what `ts_rank` weighs."""
    parts = [q for t in query.positive if (q := t.tsquery())]
    return " | ".join(f"({p})" for p in parts) if parts else "''"


def text_rank(query: SearchQuery, vector: Any) -> ColumnElement[float]:
    """`ts_rank` of `vector` for the query's positive words, normalized to 0–1 by
    rank/(rank+1)."""
    return cast(func.ts_rank(vector, inline_tsquery(rank_tsquery(query)), 32), Float)


def recency(at: Any) -> ColumnElement[Any]:
    """0.1 a year of `at` (the part of relevance that favours later rows)."""
    return func.extract("epoch", at) / (365.25 * 86400) * RECENCY_PER_YEAR


def rank_expression(query: SearchQuery, vector: Any, created_at: Any) -> Label[float]:
    """Text rank (`text_rank`) plus 0.1 a year of creation time (`recency`): stable for a
    row, so it is a keyset column."""
    return (text_rank(query, vector) + recency(created_at)).label("relevance")
