"""The organization tree is analyzed from its first few changes (migration
0023_tree_statistics): its storage parameters, read back from PostgreSQL's catalog."""

from __future__ import annotations

import asyncpg


async def test_the_tree_table_is_analyzed_after_five_changes(database_url):
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        options = await connection.fetchval(
            "SELECT reloptions FROM pg_class WHERE relname = 'directory_organization'"
        )
    finally:
        await connection.close()
    assert set(options or []) >= {
        "autovacuum_analyze_threshold=5",
        "autovacuum_analyze_scale_factor=0.05",
    }
