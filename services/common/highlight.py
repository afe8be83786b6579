"""Highlights of a search's matches in the original text: fragments around the words the
query matches (by the kernel's search rule, `services.common.search`), HTML-escaped, each
match in `<mark>…</mark>`."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Response
from pydantic import BaseModel, Field, create_model

from services.common.arabic import normalize
from services.common.responses import json_response
from services.common.search import (
    SUBSTRING_MIN,
    SearchOptions,
    SearchQuery,
    SearchResult,
    lexemes,
    search_form,
    stem,
    tokens,
)

# a word of the original text, diacritics and tatweel included
_TEXT_WORD = re.compile(r"[\w\u064b-\u065f\u0670\u0640]+")
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


@dataclass(frozen=True)
class Matcher:
    """Tells whether a word of an original text matches a query (for highlights)."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    substrings: tuple[str, ...]

    @classmethod
    def of(cls, query: SearchQuery) -> Matcher:
        exact: set[str] = set()
        prefixes: set[str] = set()
        substrings: set[str] = set()
        for word in query.words():
            for token in tokens(word):
                e, p = lexemes(token)
                exact |= e
                prefixes |= p
            if len(word) >= SUBSTRING_MIN:
                substrings.add(word)
        return cls(frozenset(exact), tuple(sorted(prefixes)), tuple(sorted(substrings)))

    def matches(self, word: str) -> bool:
        normalized = normalize(word)
        if any(s in normalized for s in self.substrings):
            return True
        for token in tokens(search_form(word)):
            lexeme = stem(token)
            if lexeme in self.exact or lexeme.startswith(self.prefixes):
                return True
        return False


def highlight(
    value: str | None, matcher: Matcher, *, context: int = 6, limit: int = 3
) -> list[str]:
    """Up to `limit` fragments of `value` around matched words, HTML-escaped, each matched
    word wrapped in `<mark>…</mark>` (the only markup), `…` where text is left out."""
    if not value:
        return []
    words = list(_TEXT_WORD.finditer(value))
    hits = [i for i, m in enumerate(words) if matcher.matches(m.group())]
    hit_set = set(hits)
    fragments: list[str] = []
    covered = -1
    for hit in hits:
        if hit <= covered:
            continue
        if len(fragments) == limit:
            break
        first, last = max(0, hit - context), min(len(words) - 1, hit + context)
        # extend over the hits that follow closely
        for later in hits:
            if hit < later <= last + context // 2:
                last = min(len(words) - 1, later + context // 2)
        covered = last
        start = 0 if first == 0 else words[first].start()
        end = len(value) if last == len(words) - 1 else words[last].end()
        out: list[str] = ["… "] if first > 0 else []
        position = start
        for i in range(first, last + 1):
            m = words[i]
            out.append(html.escape(value[position : m.start()]))
            piece = html.escape(m.group())
            out.append(f"{MARK_OPEN}{piece}{MARK_CLOSE}" if i in hit_set else piece)
            position = m.end()
        out.append(html.escape(value[position:end]))
        if last < len(words) - 1:
            out.append(" …")
        fragments.append("".join(out).strip())
    return fragments


def highlights(item: Any, fields: Sequence[str], matcher: Matcher) -> dict[str, list[str]]:
    """`{field: fragments}` of the fields of `item` (attributes) that hold a match."""
    found = {name: highlight(getattr(item, name, None), matcher) for name in fields}
    return {name: fragments for name, fragments in found.items() if fragments}


HIGHLIGHTS_DESCRIPTION = (
    "With `highlight=true` and `q`: for each searched text field that matches, up to 3 "
    "fragments around the matches, HTML-escaped, every matched word in `<mark>…</mark>` "
    "(the only markup). — المقاطع المطابقة."
)


def hit_model(model: type[BaseModel]) -> type[BaseModel]:
    """`model` with an optional `highlights` field: an item of a searched list."""
    hit: type[BaseModel] = create_model(
        f"{model.__name__.removesuffix('Out')}Hit",
        __base__=model,
        __doc__=(
            (model.__doc__ or "").strip() + " An item of a searched list: with "
            "`highlight=true` and `q`, its matching fragments."
        ).strip(),
        highlights=(
            dict[str, list[str]] | None,
            Field(None, description=HIGHLIGHTS_DESCRIPTION),
        ),
    )
    return hit


def search_response(
    result: SearchResult,
    items: Sequence[BaseModel],
    options: SearchOptions,
    fields: Sequence[str],
    more: Callable[[Any, Any, Matcher], dict[str, list[str]]] | None = None,
) -> Response:
    """The JSON of a `SearchPage` of `items` (the views of `result.rows`): with
    `highlight=true`, each item's `highlights` of the row's `fields` (and `more(row,
    item, matcher)`'s);
    `corrected_q` when the query was corrected."""
    matcher = Matcher.of(result.query) if options.highlight and result.query else None
    out = []
    for row, item in zip(result.rows, items, strict=True):
        data = item.model_dump(mode="json", by_alias=True)
        if matcher is not None:
            data["highlights"] = highlights(row, fields, matcher) | (
                more(row, item, matcher) if more else {}
            )
        out.append(data)
    page: dict[str, Any] = {"items": out, "next_cursor": result.next_cursor}
    if result.corrected_q is not None:
        page["corrected_q"] = result.corrected_q
    return json_response(page)
