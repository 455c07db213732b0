"""A fault-injection hook for the reliability tests: die by SIGKILL at a named point.

Set ``IMPACT_TEST_KILL_AT`` to a point name (shell-style wildcards allowed, e.g.
``ingest:during:participation/*``); when the running process reaches a matching point it kills
itself with SIGKILL, as an out-of-memory killer or a power cut would. Unset, it costs one
environment lookup.
"""

from __future__ import annotations

import fnmatch
import os
import signal

KILL_ENV = "IMPACT_TEST_KILL_AT"


def fault_point(name: str) -> None:
    target = os.environ.get(KILL_ENV)
    if target and fnmatch.fnmatchcase(name, target):
        os.kill(os.getpid(), signal.SIGKILL)
