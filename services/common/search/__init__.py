"""Arabic full-text search for the whole hub: one rule, in Python (queries, highlights) and
in SQL (stored documents), shared by every service's `q` filter.

The rule, applied to stored text by `common_search_vector_ar(text)` (migration
`0010_search`) and to queries here:

1. the hub's normalization (`services.common.arabic.normalize`: diacritics, tatweel,
   alef/hamza forms, ة → ه, ى → ي, digits, case, white space);
2. the search form: a definite article and what is attached before it are taken off the
   front of a word that keeps at least three Arabic letters — `ال`, `لل`, `بال`, `كال`,
   `وال`, `فال`, `ولل`, `وبال` … (`SEARCH_FORM_PATTERN`; Snowball alone stems `المياه`
   and `مياه` differently);
3. PostgreSQL's `arabic` text search configuration (the Snowball Arabic stemmer; queries
   are stemmed here by the same algorithm, Snowball's C library in the `PyStemmer`
   package), stored as a `tsvector` with a GIN index.

A query uses the language of PostgreSQL's `websearch_to_tsquery`: words (all must match),
`"a quoted phrase"` (words in that order), `OR` (or `أو`) between alternatives, `-word`
(must not match). Each word matches a document when

- one of its lexemes is in the document's vector: the stems of the word and of the word
  without a plural or feminine ending (`ات ون ين ان ه ي`) or an attached `ل`, a stem of
  four letters or more also as a prefix (`مخالف:*` finds `مخالفا`, the stem of `مخالفات`), or
- the word (its search form, without an article) is a substring of the normalized text,
  which the trigram index of that text answers: partial words, numbers and references
  (`INQ-2026-000012`) still match.

Relevance (`rank_expression`) is `ts_rank` over every positive word's lexemes plus a
recency bonus that is linear in the creation time (0.1 a year), so a page's order never
depends on when it is read and keyset pagination stays exact.
"""

from __future__ import annotations

from services.common.search.corrections import corrections
from services.common.search.matching import (
    Q_EXAMPLES,
    filter_q,
    match,
    q_description,
    rank_expression,
    rank_tsquery,
    recency,
    search_columns,
    search_indexes,
    text_rank,
)
from services.common.search.pages import (
    SORT_NEWEST,
    SORT_RELEVANCE,
    SearchOptions,
    SearchOptionsDep,
    SearchPage,
    SearchResult,
    check_options,
    search_entities,
    search_options,
    search_page,
)
from services.common.search.query import SearchQuery, Term, parse
from services.common.search.recent import Recent, bucket_of, bucketed_tsquery, week_start
from services.common.search.shares import newest_by_weeks, serial
from services.common.search.window import RECENT_SPAN, RELEVANCE_WINDOW, ranked_window
from services.common.search.words import (
    ARABIC_LETTER,
    PREFIX_MATCH_MIN,
    SEARCH_FORM_PATTERN,
    SUBSTRING_MIN,
    SUFFIXES,
    WORD_GROUPS,
    lexemes,
    search_form,
    stem,
    token_query,
    tokens,
)

__all__ = [
    "ARABIC_LETTER",
    "PREFIX_MATCH_MIN",
    "Q_EXAMPLES",
    "RECENT_SPAN",
    "RELEVANCE_WINDOW",
    "SEARCH_FORM_PATTERN",
    "SORT_NEWEST",
    "SORT_RELEVANCE",
    "SUBSTRING_MIN",
    "SUFFIXES",
    "WORD_GROUPS",
    "Recent",
    "SearchOptions",
    "SearchOptionsDep",
    "SearchPage",
    "SearchQuery",
    "SearchResult",
    "Term",
    "bucket_of",
    "bucketed_tsquery",
    "check_options",
    "corrections",
    "filter_q",
    "lexemes",
    "match",
    "newest_by_weeks",
    "parse",
    "q_description",
    "rank_expression",
    "rank_tsquery",
    "ranked_window",
    "recency",
    "search_columns",
    "search_entities",
    "search_form",
    "search_indexes",
    "search_options",
    "search_page",
    "serial",
    "stem",
    "text_rank",
    "token_query",
    "tokens",
    "week_start",
]
