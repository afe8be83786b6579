"""The words table behind the search's typo corrections: every word (search form) of the
searched texts with the number of rows it is in, collected by a worker job
(`collect_words`), read by `services.common.search.corrections`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, literal_column, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.common.models import SearchWord, SearchWordSource

WORDS_BATCH = 5000
WORD_MIN_LENGTH = 3
# rows younger than this are left for the next call: a row's creation time is its
# transaction's start, and a transaction still open could commit one older than the mark
WORDS_SETTLE = timedelta(minutes=1)


async def collect_words(
    session: AsyncSession,
    source: str,
    text: Any,
    created_at: Any,
    *,
    batch: int = WORDS_BATCH,
    settle: timedelta = WORDS_SETTLE,
) -> int:
    """Adds the words (search forms, ≥ 3 characters, not numbers) of the rows of one
    table created since the last call to `common_search_word`; returns the rows read.

    `text` is the SQL expression of a row's searched text, `created_at` its creation time
    (both columns of the same table); at most about `batch` rows a call, every row of the
    last instant read included so none is skipped; rows of the last minute wait for the
    next call (`WORDS_SETTLE`)."""
    since = await session.scalar(
        select(SearchWordSource.read_until).where(SearchWordSource.source == source)
    )
    table = created_at.table
    after = and_(
        created_at > since if since is not None else true(),
        created_at <= func.now() - settle,
    )
    oldest = select(created_at.label("c")).where(after).order_by(created_at).limit(batch)
    until = await session.scalar(select(func.max(oldest.subquery().c.c)))
    if until is None:
        return 0
    rows = select(text.label("t")).where(after, created_at <= until).cte("rows")
    simple: ColumnElement[Any] = literal_column("'pg_catalog.simple'::regconfig")
    form = func.common_search_form_ar(rows.c.t)
    # a row's vector holds each word once: the count of a word is its number of rows
    words = (
        select(func.unnest(func.tsvector_to_array(func.to_tsvector(simple, form))).label("w"))
        .select_from(rows)
        .subquery()
    )
    counted = (
        select(words.c.w, func.count())
        .where(func.length(words.c.w) >= WORD_MIN_LENGTH, ~words.c.w.regexp_match("^[-0-9.,]+$"))
        .group_by(words.c.w)
    )
    upsert = pg_insert(SearchWord).from_select(["word", "documents"], counted)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=["word"],
            set_={"documents": SearchWord.documents + upsert.excluded.documents},
        )
    )
    mark = pg_insert(SearchWordSource).values(source=source, read_until=until)
    await session.execute(
        mark.on_conflict_do_update(index_elements=["source"], set_={"read_until": until})
    )
    read = await session.scalar(
        select(func.count()).select_from(table).where(after, created_at <= until)
    )
    return int(read or 0)
