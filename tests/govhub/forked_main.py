"""A stand-in child for the supervisor's fork tests: writes what it was given, then waits
for its signal or exits with the code it was told."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path


def main() -> None:
    out, code = Path(sys.argv[1]), int(sys.argv[2])
    out.write_text(
        json.dumps(
            {
                "argv": sys.argv,
                "env": os.environ.get("GOVHUB_FORK_TEST"),
                "cwd": os.getcwd(),
                "sigterm_default": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
            }
        )
    )
    if code < 0:
        time.sleep(60)  # until killed
    sys.exit(code)
