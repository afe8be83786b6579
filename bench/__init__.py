"""Benchmarks: `make bench` (python -m bench). Each prints a table; ratios are to a bare
Starlette + asyncpg app running the same SQL, measured in the same run."""
