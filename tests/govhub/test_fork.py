"""Children forked from the supervisor (after it imported what they run): they run their
module's `main()` with their own argv and environment, show their command line as a new
interpreter would, and report their exit code or signal like `subprocess.Popen`."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from govhub.supervisor import ROOT, Child, fork_child, preload

MODULE = "tests.govhub.forked_main"


def argv(out: Path, code: int) -> list[str]:
    return [sys.executable, "-m", MODULE, str(out), str(code)]


def test_a_forked_child_runs_its_main_with_its_argv_and_environment(tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    process = fork_child(argv(out, 7), {"GOVHUB_FORK_TEST": "yes"})
    assert process.wait(timeout=20) == 7
    seen = json.loads(out.read_text())
    assert seen["argv"] == [MODULE, str(out), "7"]
    assert seen["env"] == "yes"
    assert seen["cwd"] == str(ROOT)
    assert seen["sigterm_default"]  # not the supervisor's handler


def test_a_forked_child_shows_its_command_line_and_reports_a_kill(tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    process = fork_child(argv(out, -1), {})
    try:
        deadline = time.monotonic() + 20
        while not out.exists():
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        # its words; how /proc splits them depends on whether the title outgrew the
        # parent's own command line (one string, or the title and empty strings)
        assert " ".join(psutil.Process(process.pid).cmdline()).split() == argv(out, -1)
        assert process.poll() is None
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)
    finally:
        process.kill()
    assert process.wait(timeout=20) == -signal.SIGKILL
    assert process.poll() == -signal.SIGKILL


def test_preload_imports_what_children_run_and_forks_them(tmp_path: Path) -> None:
    child = Child("stand-in", argv(tmp_path / "seen.json", 0), preload=("json",))
    try:
        preload([child])
    finally:
        gc.unfreeze()  # preload freezes the heap it forks from; not this test process's
    assert child.fork and MODULE in sys.modules
    child.start({})
    assert child.process is not None and child.process.wait(timeout=20) == 0


def test_a_forked_process_gets_its_own_request_id_prefix() -> None:
    from services.common.observability import new_request_id

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first request id, then out without pytest's exit
        try:
            os.write(write, new_request_id().encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    theirs = os.read(read, 100).decode()
    os.close(read)
    ours = new_request_id()
    assert len(theirs) == len(ours) == 32
    assert theirs[:20] != ours[:20]  # ids of two processes never collide
