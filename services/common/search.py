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

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Generic, Literal, TypeVar

import Stemmer  # type: ignore[import-not-found]
from fastapi import Depends, Query
from pydantic import Field
from sqlalchemy import (
    Computed,
    Float,
    Index,
    Select,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import mapped_column
from sqlalchemy.sql.elements import ColumnElement, Label

from services.common.arabic import like_pattern, normalize
from services.common.errors import BadRequest
from services.common.models import SearchWord
from services.common.pagination import Page, PageParams, decode_cursor, paginate

T = TypeVar("T")

# The article and what may be attached before it, taken off a word that keeps ≥ 3 Arabic
# letters; a "word" starts at the text's start or after a character that is not an Arabic
# letter. The SQL twin in migration 0010 uses the very same pattern (tests check it).
ARABIC_LETTER = "\u0621-\u064a"
SEARCH_FORM_PATTERN = f"(^|[^{ARABIC_LETTER}])[وف]?(?:[بكل]?ال|لل)(?=[{ARABIC_LETTER}]{{3}})"
_SEARCH_FORM = re.compile(SEARCH_FORM_PATTERN)

# A token of the PostgreSQL parser that the stemmer sees: a run of letters and digits.
_TOKEN = re.compile(r"[^\W_]+")
# A word of an original text for highlighting: letters, digits, and the diacritics and
# tatweel that normalization removes (they are not \w).
# Plural and feminine endings whose removal gives one more stem to look for.
SUFFIXES = ("ات", "ون", "ين", "ان", "ه", "ي")
PREFIX_MATCH_MIN = 4  # stems at least this long also match as a prefix
SUBSTRING_MIN = 3  # shorter words only match by lexeme (too many substrings)
OR_WORDS = frozenset({"or", "او"})  # `OR`, `أو` after normalization
RECENCY_PER_YEAR = 0.1

_stemmer = Stemmer.Stemmer("arabic")


def search_form(value: str) -> str:
    """`normalize(value)` with a leading article (and what is attached before it) taken
    off each word: the text the SQL side hands to the `arabic` configuration."""
    return _SEARCH_FORM.sub(r"\1", normalize(value))


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The Snowball Arabic stem of a token of a search form, as PostgreSQL's `arabic`
    configuration stores it."""
    result: str = _stemmer.stemWord(token)
    return result


def tokens(form: str) -> list[str]:
    """The tokens of a search form the stemmer sees (runs of letters and digits)."""
    return _TOKEN.findall(form)


# Broken plurals and common spellings of municipal words that no stemmer relates (one
# group a line; any member finds the others). Queries only: documents are stored as written.
WORD_GROUPS: tuple[tuple[str, ...], ...] = (
    ("حديقة", "حدائق", "حدايق"),
    ("رصيف", "أرصفة"),
    ("شجرة", "أشجار"),
    ("مدرسة", "مدارس"),
    ("كلب", "كلاب"),
    ("عمود", "أعمدة"),
    ("مجرى", "مجاري"),
    ("طريق", "طرق", "طرقات"),
    ("شارع", "شوارع"),
    ("حفرة", "حفر"),
    ("ماء", "مياه", "ماية", "ماي"),
    ("مبنى", "مباني"),
    ("منزل", "منازل"),
    ("بيت", "بيوت"),
    ("سوق", "أسواق"),
    ("مسجد", "مساجد"),
    ("حي", "أحياء"),
    ("محل", "محلات"),
    ("موقف", "مواقف"),
    ("جسر", "جسور"),
    ("نفق", "أنفاق"),
    ("عامل", "عمال"),
    ("طفل", "أطفال"),
    ("مركز", "مراكز"),
    ("شاطئ", "شواطئ"),
    ("ملعب", "ملاعب"),
    ("مصنع", "مصانع"),
    ("مطعم", "مطاعم"),
    ("ورشة", "ورش"),
    ("منطقة", "مناطق"),
    ("قرية", "قرى"),
    ("مدينة", "مدن"),
    ("طالب", "طلاب"),
    ("جدار", "جدران"),
    ("باب", "أبواب"),
    ("سور", "أسوار"),
    ("خط", "خطوط"),
    ("أنبوب", "أنابيب"),
    ("ماسورة", "مواسير"),
    ("غرفة", "غرف"),
    ("رخصة", "رخص"),
    ("قمامة", "زبالة"),
    ("نفاية", "نفايات"),
)


@lru_cache(maxsize=1)
def _groups() -> dict[str, frozenset[str]]:
    """Each member's stem → the stems of its group's members."""
    index: dict[str, frozenset[str]] = {}
    for group in WORD_GROUPS:
        stems = frozenset(stem(t) for word in group for t in tokens(search_form(word)))
        for member in stems:
            index[member] = index.get(member, frozenset()) | stems
    return index


# The preposition `ل` attached to a word without an article (`لحملة`, `ولشارع`): Snowball
# takes off an attached `ب`, `و`, `ف` but not `ل`, so a query word also stands for the
# word without it when ≥ 4 Arabic letters remain (`لجنة`, `لوحة`, `لحوم` keep theirs).
# `ك` is left alone: `كبيرة` is far commoner than `ك` + `بيرة`. Queries only: stored
# documents are as the SQL rule has them, and their attached forms are found by the
# substring match.
_ATTACHED_PREPOSITION = re.compile(f"^[وف]?ل(?=[{ARABIC_LETTER}]{{4}})")


def lexemes(token: str) -> tuple[set[str], set[str]]:
    """(exact lexemes, prefix lexemes) a query token matches: its stem, the stems of it
    without an attached `ل`, without a plural or feminine ending, and of the words of
    its group (`WORD_GROUPS`); stems and ending-less forms of ≥ 4 letters also as
    prefixes."""
    variants = {token, _ATTACHED_PREPOSITION.sub("", token)}
    for word in list(variants):
        for suffix in SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                variants.add(word[: -len(suffix)])
    stems = {stem(v) for v in variants} | {token}
    groups = _groups()
    for found in list(stems):
        stems |= groups.get(found, frozenset())
    prefixes = {s for s in stems | variants if len(s) >= PREFIX_MATCH_MIN and not s.isdigit()}
    return stems - prefixes, prefixes


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _token_query(token: str) -> str:
    exact, prefix = lexemes(token)
    parts = sorted(_quote(x) for x in exact) + sorted(_quote(p) + ":*" for p in prefix)
    return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"


# --- the query language ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase (several words in order), in its search form."""

    words: tuple[str, ...]
    negated: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1

    def tsquery(self) -> str | None:
        """The `tsquery` text of the term's lexemes (None when it has no token)."""
        toks = [t for w in self.words for t in tokens(w)]
        if not toks:
            return None
        return " <-> ".join(_token_query(t) for t in toks)

    def text(self) -> str:
        inner = " ".join(self.words)
        inner = f'"{inner}"' if self.phrase else inner
        return f"-{inner}" if self.negated else inner


@dataclass
class SearchQuery:
    """A parsed query: groups that must all match, each a list of alternatives (`OR`)."""

    groups: list[list[Term]] = field(default_factory=list)

    @property
    def positive(self) -> list[Term]:
        return [t for g in self.groups for t in g if not t.negated]

    def words(self) -> list[str]:
        """Every positive word (for suggestions and highlights)."""
        return [w for t in self.positive for w in t.words]

    def text(self) -> str:
        return " ".join(" OR ".join(t.text() for t in g) for g in self.groups)

    def replace(self, corrections: dict[str, str]) -> SearchQuery:
        """The query with words replaced (typo corrections)."""
        return SearchQuery(
            [
                [Term(tuple(corrections.get(w, w) for w in t.words), t.negated) for t in g]
                for g in self.groups
            ]
        )

    def __bool__(self) -> bool:
        return bool(self.positive)


_QUERY_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')


def parse(query: str) -> SearchQuery:
    """The `websearch_to_tsquery` language: words (AND), `"phrases"`, `OR`/`أو`, `-word`.

    Words are in their search form; punctuation-only words are dropped; a leading or
    trailing or doubled `OR` is ignored; a query of negations alone matches nothing."""
    groups: list[list[Term]] = []
    pending_or = False
    for match in _QUERY_TOKEN.finditer(query.replace("\u201c", '"').replace("\u201d", '"')):
        quoted, bare = match.group(1), match.group(2)
        negated = False
        if bare is not None:
            if search_form(bare) in OR_WORDS:
                pending_or = bool(groups)
                continue
            if bare.startswith("-") and len(bare) > 1:
                negated, bare = True, bare[1:]
            words = tuple(w for w in search_form(bare).split(" ") if w and tokens(w))
        else:
            words = tuple(w for w in search_form(quoted or "").split(" ") if w and tokens(w))
        if not words:
            continue
        term = Term(words, negated)
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return SearchQuery(groups)


# --- SQL -------------------------------------------------------------------------------------


# A search's values are written into the statement (`literal_execute`), not sent as
# parameters: with parameters, a pooled connection's prepared statement switches to a
# generic plan after five runs, and PostgreSQL, blind to how rare the words are, then
# chose bitmap scans of both GIN indexes over the newest-first walk (1.5 s instead of 1 ms
# for a two-word query on 200 000 inquiries, bench/explain).
def _inline(value: str) -> ColumnElement[str]:
    return literal(value, literal_execute=True)


def _tsquery(text: str) -> ColumnElement[Any]:
    return cast(_inline(text), TSQUERY)


def _term_match(term: Term, vector: Any, text: Any) -> ColumnElement[bool]:
    ts = term.tsquery()
    by_lexeme = vector.op("@@")(_tsquery(ts)) if ts else false()
    joined = " ".join(term.words)
    if len(joined) < SUBSTRING_MIN:
        return by_lexeme
    # the stored text is normalized but keeps its articles: the search form is a substring
    return or_(by_lexeme, text.like(_inline(like_pattern(joined)), escape="\\"))


def match(query: SearchQuery, vector: Any, text: Any) -> ColumnElement[bool]:
    """Rows whose `vector` (a `common_search_vector_ar` column) and normalized `text`
    (`inquiry_normalize_ar`, trigram-indexed) match `query`."""
    if not query:
        return false()
    clauses: list[ColumnElement[bool]] = []
    for group in query.groups:
        alternatives = [
            not_(_term_match(t, vector, text)) if t.negated else _term_match(t, vector, text)
            for t in group
        ]
        clauses.append(alternatives[0] if len(alternatives) == 1 else or_(*alternatives))
    return and_(true(), *clauses)


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


def rank_expression(query: SearchQuery, vector: Any, created_at: Any) -> Label[float]:
    """Text rank (`ts_rank`, normalized to 0–1 by rank/(rank+1)) plus 0.1 a year of
    creation time: stable for a row, so it is a keyset column."""
    text_rank = cast(func.ts_rank(vector, _tsquery(rank_tsquery(query)), 32), Float)
    recency = func.extract("epoch", created_at) / (365.25 * 86400) * RECENCY_PER_YEAR
    return (text_rank + recency).label("relevance")


# The relevance order of a large table ranks a window of its matches: the newest
# `RELEVANCE_WINDOW` of them (the list's other filters applied). Ranking every match
# reads every matching row: 590 ms for a word in 3 % of a million inquiries (bench/explain),
# where the window's 300 cost a newest-first walk of about 10 000 rows.
RELEVANCE_WINDOW = 300
_FLOOR_AT, _FLOOR_ID = "relevance_floor_at", "relevance_floor_id"


def ranked_window(
    stmt: Select[Any],
    query: SearchQuery,
    vector: Any,
    created_at: Any,
    id_: Any,
    cursor: str | None,
    window: int | None = None,
) -> tuple[Select[Any], tuple[Any, ...]]:
    """`stmt` (a list's select of its rows' columns, filters and `q` applied) in relevance
    order over a window of its matches, and the keyset keys to paginate it with.

    The first page ranks the newest `window` (default `RELEVANCE_WINDOW`) matches (by
    `created_at`, `id`: an index walk the list has anyway) and puts the oldest of them,
    the window's floor, into the cursor with the relevance keys; the next pages rank the
    matches at or above that floor, so the window stays put while pages are read (a row
    added since joins it as any keyset list's would). Rows keep the statement's column
    names plus `relevance`."""
    rank = rank_expression(query, vector, created_at)
    inner = stmt.add_columns(rank)
    floor: list[Any] | None = None
    if cursor is not None:
        types = [float, created_at.type.python_type, id_.type.python_type]
        floor = decode_cursor(cursor, 5, [*types, *types[1:]])[3:]
        inner = inner.where(
            tuple_(created_at, id_)
            >= tuple_(
                literal(floor[0], created_at.type, literal_execute=True),
                literal(floor[1], id_.type, literal_execute=True),
            )
        )
    else:
        size = RELEVANCE_WINDOW if window is None else window
        inner = inner.order_by(created_at.desc(), id_.desc()).limit(size)
    ranked = inner.cte("ranked")
    at, ident = ranked.c[created_at.key], ranked.c[id_.key]
    if floor is None:
        oldest = select(at, ident).order_by(at, ident).limit(1).subquery()
        floor_at: Any = select(oldest.c[created_at.key]).scalar_subquery()
        floor_id: Any = select(oldest.c[id_.key]).scalar_subquery()
    else:
        # cast: a bare literal in a select list would come back as text
        floor_at = cast(literal(floor[0], created_at.type, literal_execute=True), created_at.type)
        floor_id = cast(literal(floor[1], id_.type, literal_execute=True), id_.type)
    floor_at, floor_id = floor_at.label(_FLOOR_AT), floor_id.label(_FLOOR_ID)
    outer = select(*ranked.c, floor_at, floor_id)
    return outer, (ranked.c.relevance, at, ident, floor_at, floor_id)


# --- list options, typo corrections ---------------------------------------------------------

SORT_NEWEST, SORT_RELEVANCE = "newest", "relevance"


@dataclass(frozen=True)
class SearchOptions:
    """A list's `sort` and `highlight` parameters."""

    sort: str = SORT_NEWEST
    highlight: bool = False


async def search_options(
    sort: Annotated[
        Literal["newest", "relevance"],
        Query(
            description="`newest` (default): the list's own order — newest first (the "
            "calendar's occurrences: by start). `relevance`: best text match first, newer "
            "first among equals (needs `q`; keyset pagination too). — الترتيب: المعتاد "
            "للقائمة، أو الأقرب مطابقةً للبحث.",
        ),
    ] = "newest",
    highlight: Annotated[
        bool,
        Query(
            description="With `q`: each item gets `highlights`, the matching fragments of "
            "its text fields, HTML-escaped, each matched word in `<mark>…</mark>`. — "
            "إبراز المقاطع المطابقة.",
        ),
    ] = False,
) -> SearchOptions:
    return SearchOptions(sort=sort, highlight=highlight)


SearchOptionsDep = Annotated[SearchOptions, Depends(search_options)]


def check_options(options: SearchOptions, q: str | None) -> None:
    if options.sort == SORT_RELEVANCE and not q:
        raise BadRequest(
            "الترتيب حسب الصلة يتطلب نص بحث (q)",
            "sort=relevance needs a search text (q)",
            code="relevance_needs_q",
        )


class SearchPage(Page[T], Generic[T]):
    """A page of a searched list."""

    corrected_q: str | None = Field(
        None,
        description="When `q` found nothing and nearer words of the searched texts did: the "
        "query that was run instead (its words in search form), and these are its results; "
        "pass it as `q` with `next_cursor` for the next page. — عند عدم وجود نتائج: "
        "الاستعلام المصحَّح الذي نُفِّذ بدلاً منه.",
        examples=["تسرب مياه"],
    )


CORRECTION_MIN_LENGTH = 3
CORRECTION_MIN_SIMILARITY = 0.3


async def corrections(session: AsyncSession, query: SearchQuery) -> dict[str, str]:
    """For each positive word of `query` that is not a word of the searched texts, the
    nearest one that is (`common_search_word`: candidates by trigram similarity ≥ 0.3 on
    its GIN index, the best by `word_similarity`, then the most frequent)."""
    found: dict[str, str] = {}
    for word in dict.fromkeys(query.words()):
        if len(word) < CORRECTION_MIN_LENGTH or word.isdigit() or " " in word:
            continue
        known = await session.scalar(select(SearchWord.word).where(SearchWord.word == word))
        if known is not None:
            continue
        nearest = await session.scalar(
            select(SearchWord.word)
            .where(
                SearchWord.word.op("%")(word),
                func.similarity(SearchWord.word, word) >= CORRECTION_MIN_SIMILARITY,
            )
            .order_by(
                func.word_similarity(word, SearchWord.word).desc(),
                SearchWord.documents.desc(),
                SearchWord.word,
            )
            .limit(1)
        )
        if nearest is not None:
            found[word] = nearest
    return found


@dataclass
class SearchResult:
    """A page of a searched list: its rows, the next cursor, what was searched (for
    highlights) and, when `q` was corrected, the corrected query's text."""

    rows: list[Any]
    next_cursor: str | None
    query: SearchQuery | None = None
    corrected_q: str | None = None


PageRunner = Callable[[SearchQuery | None], Awaitable[tuple[list[Any], str | None]]]


async def search_page(
    session: AsyncSession, q: str | None, cursor: str | None, run: PageRunner
) -> SearchResult:
    """`run(parse(q))`, a list's page; when `q` finds nothing on the first page, its
    unknown words are replaced by the nearest words of the searched texts (`corrections`)
    and the page is run again, answered only when the corrected query finds something
    the caller sees (`run` applies the caller's visibility)."""
    query = parse(q) if q else None
    rows, next_cursor = await run(query)
    if rows or query is None or cursor is not None:
        return SearchResult(rows, next_cursor, query)
    fixes = await corrections(session, query)
    if fixes:
        corrected = query.replace(fixes)
        fixed_rows, fixed_cursor = await run(corrected)
        if fixed_rows:
            return SearchResult(fixed_rows, fixed_cursor, corrected, corrected.text())
    return SearchResult(rows, next_cursor, query)


async def search_entities(
    session: AsyncSession,
    stmt: Select[Any],
    page: PageParams,
    options: SearchOptions,
    q: str | None,
    *,
    vector: Any,
    text: Any,
    created_at: Any,
    id_: Any,
    matches: Callable[[SearchQuery], ColumnElement[bool]] | None = None,
) -> SearchResult:
    """A searched page of a list of ORM objects: `stmt` (a `select(Entity)` with the list's
    other filters) narrowed by `q` on the entity's `vector` and `text` (or by `matches`,
    when a match needs more than the row's own columns), newest first by `created_at`,
    `id`, or best match first with `sort=relevance` (every match ranked: for the small
    tables of the campaigns service); corrected as `search_page` does. Rows: the entities."""
    check_options(options, q)

    def narrowed(query: SearchQuery) -> Select[Any]:
        return stmt.where(matches(query) if matches else match(query, vector, text))

    async def run(query: SearchQuery | None) -> tuple[list[Any], str | None]:
        if query is None:
            return await paginate(session, stmt, [created_at, id_], page)
        if options.sort != SORT_RELEVANCE:
            return await paginate(session, narrowed(query), [created_at, id_], page)
        # the keys as labelled columns of the row, so the cursor can read them
        keys = (
            rank_expression(query, vector, created_at),
            created_at.label("relevance_created_at"),
            id_.label("relevance_id"),
        )
        rows, cursor = await paginate(
            session, narrowed(query).add_columns(*keys), keys, page, rows=True
        )
        return [row[0] for row in rows], cursor

    return await search_page(session, q, page.cursor, run)
