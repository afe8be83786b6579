"""Typo corrections: the nearest words of the searched texts (`common_search_word`) for
a query's words that are none of them."""

from __future__ import annotations

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.models import SearchWord
from services.common.search.query import SearchQuery

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
