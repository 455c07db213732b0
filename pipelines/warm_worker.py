"""The warm run worker: one long-lived process that has Dagster, the definitions and Great
Expectations imported already, and forks a child for each run the daemon launches.

Why: a run launched the usual way starts a new Python, imports Dagster and the definitions
(about 4 s on the server) and, at its first data check, Great Expectations (about 6 s). For the
inbox sensor's daytime runs (a small delivery) that was a third of the run. A forked child shares
all of it, already imported, with the worker.

The protocol over the pipe (:class:`multiprocessing.connection.Connection`, one request at a
time, from :class:`pipelines.launcher.WarmRunLauncher`):

* the worker first sends ``("ready", stamps)``: the files its imported code came from, with their
  modification time and size, so that the launcher can tell when the code on disk has changed
  (it then starts a new worker); or ``("failed", traceback)``;
* ``("run", run_id, instance_ref)`` -> ``("started", pid)``, or ``("refused", why)`` when a fork
  would not be safe (a thread is running in the worker) and the launcher starts the run cold;
* ``("stop",)`` or the launcher's end of the pipe closing ends the worker; runs already started
  go on to their end.

The worker reaps its children. A child executes the run exactly as ``dagster api execute_run``
does (the same function of Dagster's) and leaves with ``os._exit``, so nothing inherited from the
worker (atexit handlers, buffered streams) runs twice.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
import traceback
from collections.abc import Iterable
from multiprocessing.connection import Connection
from pathlib import Path

from pipelines.core.config import PROJECT_ROOT

# The files of the warm code besides its modules: SQL, templates, the contract and catalogue.
_CODE_DIRS = ("pipelines", "assets", "quality", "reports", "sql")
_POLL_SECONDS = 0.5
# What a run imports lazily, after the definitions: Dagster's run execution and its SQLite
# storage, Plotly's output (0.6 s in all on the server, measured after the warm-up).
_RUN_MODULES = (
    "dagster._cli.api",
    "dagster._core.executor.in_process",
    "dagster._core.storage.event_log.sqlite",
    "dagster._core.storage.runs.sqlite",
    "dagster._core.storage.schedules.sqlite",
    "dagster._core.storage.local_compute_log_manager",
    "plotly.io",
    "plotly.subplots",
)


def warm_up_impact() -> None:
    """What the impact model's runs need, imported and resolved once: the definitions (and their
    asset graph), Great Expectations, the modules runs import lazily, Plotly's validators of the
    trace types the report draws. Long-lived objects are then frozen out of the garbage collector
    (as ``impact run`` does), which also keeps the children's memory shared with the worker."""
    import plotly.graph_objects as go

    from pipelines.definitions import defs
    from quality.gx_runner import load_gx

    defs.get_repository_def()
    load_gx()
    for name in _RUN_MODULES:
        importlib.import_module(name)
    go.Figure([go.Bar(x=[1], y=[1]), go.Scatter(x=[1], y=[1])]).to_plotly_json()
    gc.collect()
    gc.freeze()


def code_stamps(extra: Iterable[str] = ()) -> dict[str, tuple[int, int]]:
    """(mtime ns, size) of every file of the project's code directories and of the ``extra``
    files that exist: what a worker started from, or the same files as they are now."""
    paths = {str(p) for folder in _CODE_DIRS if (PROJECT_ROOT / folder).is_dir()
             for p in (PROJECT_ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    stamps: dict[str, tuple[int, int]] = {}
    for path in paths.union(extra):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


def serve(conn: Connection, warm_up: str) -> None:
    """The worker's main loop (the target of its process)."""
    try:
        module_name, _, function = warm_up.partition(":")
        module = importlib.import_module(module_name)
        if function:
            getattr(module, function)()
        own = [m.__file__ for m in list(sys.modules.values()) if _is_project_file(getattr(m, "__file__", None))]
        conn.send(("ready", code_stamps(own)))
    except BaseException:  # noqa: BLE001 - the launcher starts runs cold and says why
        conn.send(("failed", traceback.format_exc()))
        os._exit(1)
    children: set[int] = set()
    while True:
        _reap(children)
        try:
            if not conn.poll(_POLL_SECONDS):
                continue
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message[0] == "stop":
            break
        if message[0] == "run":
            _, run_id, instance_ref = message
            if threading.active_count() > 1:
                conn.send(("refused", f"{threading.active_count()} threads in the warm worker"))
                continue
            pid = os.fork()
            if pid == 0:
                conn.close()
                os._exit(_execute(run_id, instance_ref))
            children.add(pid)
            conn.send(("started", pid))
    conn.close()
    while children:  # the runs go on; the worker waits for them so that they are reaped
        _reap(children, block=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # no interpreter teardown: the frozen objects are the children's too


def _is_project_file(file: str | None) -> bool:
    return bool(file) and Path(file).is_relative_to(PROJECT_ROOT) and ".venv" not in Path(file).parts


def _reap(children: set[int], block: bool = False) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def _execute(run_id: str, instance_ref: str) -> int:
    """In the forked child: the run, as ``dagster api execute_run`` executes it."""
    try:
        from dagster import DagsterInstance, deserialize_value
        from dagster._cli.api import _execute_run_command_body
        from dagster._core.instance.ref import InstanceRef

        with DagsterInstance.from_ref(deserialize_value(instance_ref, InstanceRef)) as instance:
            return _execute_run_command_body(
                run_id, instance, write_stream_fn=lambda _event: None, set_exit_code_on_failure=True
            )
    except BaseException:  # noqa: BLE001 - the child must leave through os._exit
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
