"""Arabic search normalization: one rule for the whole hub, in Python and in SQL.

Queries are normalized here; stored text either by the IMMUTABLE SQL function
`inquiry_normalize_ar(text)` of migration `0004_inquiries` (a stored, trigram-indexed
column; the function repeats these character lists since migrations never import
application code, and `tests/inquiries/test_arabic.py` checks that both agree), or on the
fly by `normalized_sql` for small tables. The rule:

- diacritics (tashkeel U+064B–U+065F, superscript alef U+0670) and tatweel U+0640 removed;
- alef forms أ إ آ ٱ → ا; teh marbuta ة → ه; alef maqsura ى → ي;
- Arabic-Indic digits ٠–٩ and Extended Arabic-Indic digits ۰–۹ → 0–9;
- lower case, runs of white space collapsed to one space, trimmed.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.sql.elements import ColumnElement

# (from, to) pairs; the SQL function's `translate()` arguments are built from the same lists
MAPPED_FROM = "أإآٱةى" + "٠١٢٣٤٥٦٧٨٩" + "۰۱۲۳۴۵۶۷۸۹"
MAPPED_TO = "ااااهي" + "0123456789" + "0123456789"
REMOVED = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670" + "\u0640"

_TABLE = str.maketrans(MAPPED_FROM, MAPPED_TO, REMOVED)
_SPACES = re.compile(r"\s+")


def normalize(value: str) -> str:
    """The search form of `value` (see the module docstring)."""
    return _SPACES.sub(" ", value.translate(_TABLE).lower()).strip()


def search_terms(query: str) -> list[str]:
    """The normalized words of a search query, each matched as a substring."""
    return [word for word in normalize(query).split(" ") if word]


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's wildcards escaped (the escape character is a backslash)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalized_sql(column: Any) -> ColumnElement[str]:
    """The same rule as `normalize`, as an SQL expression over `column`."""
    translated = func.translate(column, MAPPED_FROM + REMOVED, MAPPED_TO)
    return func.lower(func.regexp_replace(translated, r"\s+", " ", "g"))


def text_match(query: str, *columns: Any) -> ColumnElement[bool]:
    """Any column contains the normalized `query`, ignoring diacritics, letter variants and
    case (for small tables: computed on the fly, no index)."""
    terms = search_terms(query)
    return or_(
        *[
            func.coalesce(normalized_sql(c), "").like(like_pattern(" ".join(terms)), escape="\\")
            for c in columns
        ]
    )
