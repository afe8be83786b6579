"""The query language of `q` (`websearch_to_tsquery`'s): words, `"phrases"`, `OR`/`أو`,
`-word`, parsed into groups of alternative terms in search form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from services.common.search.words import (
    search_form,
    token_query,
    tokens,
)

OR_WORDS = frozenset({"or", "او"})  # `OR`, `أو` after normalization


@lru_cache(maxsize=4096)
def _tsquery(words: tuple[str, ...]) -> str | None:
    # a page builds it for its match, its rank and its choice of plan
    toks = [t for w in words for t in tokens(w)]
    if not toks:
        return None
    return " <-> ".join(token_query(t) for t in toks)


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
        return _tsquery(self.words)

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
