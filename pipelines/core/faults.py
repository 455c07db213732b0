"""Faults of the machine, told apart from verdicts on data; and the fault hooks of the tests.

Input contract rule 10: only a problem of a file's *content* makes it ``failed``. A fault of the
machine (disk full, an I/O error, a file that cannot be opened, a file still being written) fails
the run with a message that names the fault and decides nothing about the file. Two kinds:

* :class:`MachineFault` - the run cannot go on (disk full, I/O error, a corrupted warehouse):
  the step fails, nothing of the run is published, the next run starts from the same warehouse.
* :class:`InboxFault` - one delivered file cannot be taken now (no permission to read it, still
  being written): it is recorded in ``meta.inbox_faults`` (not as a verdict), the rest of the run
  goes on and is published, and the run then fails naming the file; the next run takes it again.

Fault hooks for the reliability tests (unset, each costs one environment lookup):

* ``IMPACT_TEST_KILL_AT=<point>``: the process kills itself with SIGKILL at a matching point, as
  an out-of-memory killer or a power cut would.
* ``IMPACT_TEST_FAULT_AT=<point>=<ERRNO>[;<point>=<ERRNO>...]``: ``OSError(ERRNO)`` is raised at a
  matching point, as the operating system would raise it (``ENOSPC``, ``EIO``, ``EACCES``, ...).

Points are names such as ``ingest:read:participation/p1.csv``; shell-style wildcards are allowed.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import signal

KILL_ENV = "IMPACT_TEST_KILL_AT"
FAULT_ENV = "IMPACT_TEST_FAULT_AT"

# DuckDB reports a failed write or read of its file as an error whose text carries the
# operating system's message; these say the machine, not the data, is at fault.
_MACHINE_MESSAGES = (
    "no space left on device",
    "input/output error",
    "disk quota exceeded",
    "read-only file system",
    "could not write",
    "could not read",
    "could not fsync",
    "could not truncate",
    "failed to create directory",
    "could not open file",
    "corrupt database file",
    "database has been invalidated",
    "fatal error",
    "out of memory",
)


class MachineFault(RuntimeError):
    """A fault of the machine: the run stops, nothing of it is published, no file is judged."""


class WarehouseCorrupt(MachineFault):
    """The warehouse file fails DuckDB's own integrity reading."""


class InboxFault(RuntimeError):
    """One delivered file cannot be taken now; it is recorded and taken again by the next run."""

    def __init__(self, file_name: str, fault: str, detail: str) -> None:
        super().__init__(f"{file_name}: {detail}")
        self.file_name = file_name
        self.fault = fault  # permission_denied | still_changing | unreadable
        self.detail = detail


def fault_point(name: str) -> None:
    """A named point where the tests may kill the process or make the machine fail."""
    target = os.environ.get(KILL_ENV)
    if target and fnmatch.fnmatchcase(name, target):
        os.kill(os.getpid(), signal.SIGKILL)
    faults = os.environ.get(FAULT_ENV)
    if faults:
        for spec in faults.split(";"):
            point, _, code = spec.rpartition("=")
            if point and fnmatch.fnmatchcase(name, point):
                number = getattr(errno, code.strip(), None)
                if not isinstance(number, int):
                    raise ValueError(f"{FAULT_ENV}: unknown errno {code!r}")
                raise OSError(number, os.strerror(number), f"injected at {name}")


def describe_os_error(exc: OSError) -> str:
    """``No space left on device (ENOSPC)``: the operating system's words and the code's name."""
    name = errno.errorcode.get(exc.errno or 0)
    text = exc.strerror or str(exc)
    return f"{text} ({name})" if name else text


def is_machine_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the machine failing (an OS error, or DuckDB failing to use its file)."""
    if isinstance(exc, MachineFault | OSError):
        return True
    import duckdb

    if isinstance(exc, duckdb.IOException | duckdb.OutOfMemoryException | duckdb.FatalException):
        return True
    if isinstance(exc, duckdb.Error):
        text = str(exc).lower()
        return any(m in text for m in _MACHINE_MESSAGES)
    return False


def as_machine_fault(exc: BaseException, doing: str | None = None) -> MachineFault:
    """A one-line :class:`MachineFault` naming the fault (and what the run was doing)."""
    if isinstance(exc, MachineFault):
        return exc
    while_doing = f" while {doing}" if doing else ""
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return MachineFault(f"{describe_os_error(exc)}{where}{while_doing}")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return MachineFault(f"{first}{while_doing}")
