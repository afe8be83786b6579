"""A killed embedded postmaster left as a zombie (nothing reaps it at once here) must not
block the next start: both of its lock files are cleared, and only when their PID is that
zombie's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from services.common.embedded import EmbeddedDatabase


def lock_files(pgdata: Path, pid: int) -> tuple[Path, Path]:
    """postmaster.pid and the socket's lock file, as PostgreSQL writes them."""
    pgdata.mkdir(parents=True)
    pid_file = pgdata / "postmaster.pid"
    pid_file.write_text(f"{pid}\n{pgdata}\n1700000000\n5432\n{pgdata}\n\n  1234   5678\nready   \n")
    socket_lock = pgdata / ".s.PGSQL.5432.lock"
    socket_lock.write_text(f"{pid}\n{pgdata}\n1700000000\n5432\n{pgdata}\n")
    return pid_file, socket_lock


def test_a_zombie_postmasters_lock_files_are_cleared(tmp_path: Path) -> None:
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])  # exits; not reaped yet
    try:
        deadline = time.monotonic() + 10
        while psutil.Process(zombie.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        pid_file, socket_lock = lock_files(tmp_path / "pg", zombie.pid)
        database = EmbeddedDatabase(tmp_path)
        assert not database.is_running()
        database._clear_dead_lock_file()
        assert not pid_file.exists() and not socket_lock.exists()
    finally:
        zombie.wait()


def test_a_live_postmasters_lock_files_are_kept(tmp_path: Path) -> None:
    pid_file, socket_lock = lock_files(tmp_path / "pg", os.getpid())
    database = EmbeddedDatabase(tmp_path)
    assert database.is_running()
    database._clear_dead_lock_file()
    assert pid_file.exists() and socket_lock.exists()
