"""``WarmRunLauncher``: the daemon's runs start in a child forked from a warm worker.

Configured in the shipped instance (``deploy/dagster.yaml``)::

    run_launcher:
      module: pipelines.launcher
      class: WarmRunLauncher

The first launch starts the worker (:mod:`pipelines.warm_worker`: Dagster, the definitions and
Great Expectations imported); each later launch forks a run from it in milliseconds instead of
starting a new Python. The worker is replaced when the code on disk has changed since it started,
so a deployment of new code is used by the next run as with Dagster's own launcher.

Whenever the warm route is not available (the worker failed to start or refused a fork), the run
is started cold, as ``dagster api execute_run`` in a new process: a run is never lost to the
optimisation. Each run says which route it took in its tag ``impact/worker`` (``warm (pid 28599
on host)`` or ``cold (...)``: one tag, so the run list stays readable) and in an engine event on
its page.

Termination (the UI's "Terminate") marks the run as canceling and interrupts its process, as
Dagster's launcher does through its code server; Dagster turns the interrupt into a cancelled run.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from dagster import DagsterRun, Field, IntSource, StringSource, serialize_value
from dagster._core.launcher.base import (
    CheckRunHealthResult,
    LaunchRunContext,
    RunLauncher,
    WorkerStatus,
)
from dagster._serdes import ConfigurableClass
from dagster._serdes.config_class import ConfigurableClassData

from pipelines import warm_worker

WORKER_TAG = "impact/worker"  # e.g. "warm (pid 28599 on vm)": how the run started, and its process
_WORKER_VALUE = re.compile(r"^(warm|cold) \(pid (\d+) on (.+)\)$")
DEFAULT_WARM_UP = "pipelines.warm_worker:warm_up_impact"
RETRY_AFTER_FAILURE_SECONDS = 600


class WarmRunLauncher(RunLauncher, ConfigurableClass):
    """Launches each run in a child forked from a warm worker (see the module's docstring)."""

    def __init__(
        self,
        inst_data: ConfigurableClassData | None = None,
        warm_up: str = DEFAULT_WARM_UP,
        start_timeout_seconds: int = 600,
        warm: bool = True,
    ) -> None:
        self._inst_data = inst_data
        self._warm = warm
        self._warm_up = warm_up
        self._start_timeout = start_timeout_seconds
        self._lock = threading.Lock()
        self._worker: multiprocessing.process.BaseProcess | None = None
        self._conn: Any = None
        self._stamps: dict[str, tuple[int, int]] = {}
        self._failed_at: float | None = None
        self.last_failure: str | None = None
        super().__init__()

    # --- ConfigurableClass ---

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> dict[str, Field]:
        return {
            "warm_up": Field(
                StringSource, is_required=False, default_value=DEFAULT_WARM_UP,
                description="module:function the worker runs once before it forks runs",
            ),
            "start_timeout_seconds": Field(
                IntSource, is_required=False, default_value=600,
                description="how long a launch waits for a new worker to be ready",
            ),
            "warm": Field(
                bool, is_required=False, default_value=True,
                description="false starts every run cold, in a new process (as Dagster's own launcher)",
            ),
        }

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]
    ) -> WarmRunLauncher:
        return cls(inst_data=inst_data, **config_value)

    # --- RunLauncher ---

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        with self._lock:
            pid, why_cold = self._start_warm(run)
        if pid is None:
            pid = self._start_cold(run)
        route = "cold" if why_cold else "warm"
        self._instance.add_run_tags(run.run_id, {WORKER_TAG: f"{route} (pid {pid} on {socket.gethostname()})"})
        message = (
            f"Run started cold in a new process (pid {pid}): {why_cold}"
            if why_cold
            else f"Run started in a child of the warm worker (pid {pid}): code already imported"
        )
        self._instance.report_engine_event(message, run, cls=self.__class__)

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if not run or run.is_finished:
            return False
        self._instance.report_run_canceling(run)
        pid = _run_pid(run)
        if pid is None:
            self._instance.report_engine_event(
                "Could not interrupt the run: it has no process of this host recorded", run, cls=self.__class__
            )
            return False
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return False
        return True

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """FAILED when the run's recorded process on this host is gone (killed, out of memory):
        the daemon's run monitoring then marks the run failed instead of leaving it "started".
        A run this launcher did not start (``impact run`` executes in its own process) counts as
        running: the daemon must not fail it for want of a process it does not know."""
        pid = _run_pid(run)
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not started by this launcher on this host")
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return CheckRunHealthResult(WorkerStatus.FAILED, f"the run's process {pid} is gone")
        except PermissionError:
            pass
        return CheckRunHealthResult(WorkerStatus.RUNNING)

    def dispose(self) -> None:
        with self._lock:
            self._stop_worker()

    # --- the warm route ---

    def _start_warm(self, run: DagsterRun) -> tuple[int | None, str | None]:
        """(pid, None) when the warm worker forked the run, else (None, why not)."""
        if not self._warm:
            return None, "the instance's run launcher is configured with warm: false"
        try:
            if self._worker is not None and (not self._worker.is_alive() or self._code_changed()):
                self._stop_worker()  # gone (killed, out of memory) or started from other code
            if self._worker is None and not self._start_worker():
                return None, f"the warm worker is not available ({self.last_failure})"
            self._conn.send(("run", run.run_id, serialize_value(self._instance.get_ref())))
            if not self._conn.poll(60):
                raise TimeoutError("the warm worker did not answer within 60 s")
            answer = self._conn.recv()
        except (OSError, EOFError, TimeoutError) as error:
            self.last_failure = f"{type(error).__name__}: {error}"
            self._stop_worker()
            return None, f"the warm worker did not take the run ({self.last_failure})"
        if answer[0] == "started":
            return int(answer[1]), None
        return None, f"the warm worker refused the run ({answer[1]})"

    def _start_worker(self) -> bool:
        if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE_SECONDS:
            return False
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe()
        worker = ctx.Process(
            target=warm_worker.serve, args=(theirs, self._warm_up), name="impact-warm-worker", daemon=False
        )
        worker.start()
        theirs.close()
        ready = ours.poll(self._start_timeout)
        answer = ours.recv() if ready else ("failed", f"not ready within {self._start_timeout} s")
        if answer[0] != "ready":
            self.last_failure = str(answer[1]).strip().splitlines()[-1] if answer[1] else "failed"
            self._failed_at = time.monotonic()
            ours.close()
            worker.terminate()
            worker.join(5)
            return False
        self._worker, self._conn, self._stamps = worker, ours, answer[1]
        self._failed_at = None
        return True

    def _code_changed(self) -> bool:
        return warm_worker.code_stamps(self._stamps) != self._stamps

    def _stop_worker(self) -> None:
        """Stop the worker; runs it forked go on to their end (the worker waits for them)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(("stop",))
            self._conn.close()
        self._worker, self._conn, self._stamps = None, None, {}

    # --- the cold route ---

    def _start_cold(self, run: DagsterRun) -> int:
        """``dagster api execute_run`` in a new process, as a code server would start it."""
        from dagster._grpc.types import ExecuteRunArgs

        origin = run.job_code_origin
        if origin is None:
            raise RuntimeError(f"run {run.run_id} has no job code origin to start it from")
        args = ExecuteRunArgs(job_origin=origin, run_id=run.run_id, instance_ref=self._instance.get_ref())
        python = origin.executable_path or sys.executable  # the code location's interpreter, not PATH's
        command = [python, "-m", "dagster", "api", "execute_run", serialize_value(args)]
        process = subprocess.Popen(command, env=os.environ.copy())
        threading.Thread(target=process.wait, name=f"reap-{process.pid}", daemon=True).start()
        return process.pid


def started(run: DagsterRun) -> tuple[str, int, str] | None:
    """How the launcher started ``run``: (``warm`` or ``cold``, process id, host); None if it did not."""
    match = _WORKER_VALUE.match((run.tags or {}).get(WORKER_TAG, ""))
    return (match[1], int(match[2]), match[3]) if match else None


def _run_pid(run: DagsterRun) -> int | None:
    """The run's process when it was started on this host."""
    how = started(run)
    return how[1] if how and how[2] == socket.gethostname() else None


__all__ = ["WarmRunLauncher"]
