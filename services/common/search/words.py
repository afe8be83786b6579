"""The search rule for one word: its search form (the article taken off), its Snowball
stems and the variants looked for (endings, an attached `ل`, the word groups), and the
`tsquery` of a token."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer  # type: ignore[import-not-found]

from services.common.arabic import normalize

# The article and what may be attached before it, taken off a word that keeps ≥ 3 Arabic
# letters; a "word" starts at the text's start or after a character that is not an Arabic
# letter. The SQL twin in migration 0010 uses the very same pattern (tests check it).
ARABIC_LETTER = "\u0621-\u064a"
SEARCH_FORM_PATTERN = f"(^|[^{ARABIC_LETTER}])[وف]?(?:[بكل]?ال|لل)(?=[{ARABIC_LETTER}]{{3}})"
_SEARCH_FORM = re.compile(SEARCH_FORM_PATTERN)

# A token of the PostgreSQL parser that the stemmer sees: a run of letters and digits.
_TOKEN = re.compile(r"[^\W_]+")
# Plural and feminine endings whose removal gives one more stem to look for.
SUFFIXES = ("ات", "ون", "ين", "ان", "ه", "ي")
PREFIX_MATCH_MIN = 4  # stems at least this long also match as a prefix
SUBSTRING_MIN = 3  # shorter words only match by lexeme (too many substrings)

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


def token_query(token: str) -> str:
    exact, prefix = lexemes(token)
    parts = sorted(_quote(x) for x in exact) + sorted(_quote(p) + ":*" for p in prefix)
    return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"
