"""Tiny jobs for tests/ops/test_warm_launcher.py: each run writes where and how it ran."""

import json
import os
import time
from pathlib import Path

import dagster as dg

WARMED = False  # set by the warm worker's warm-up, so a forked run sees True and a cold one False


def warm_up_test() -> None:
    global WARMED
    WARMED = True


def warm_up_broken() -> None:
    raise RuntimeError("this warm-up is broken on purpose")


@dg.op(config_schema={"out": str})
def report_process(context: dg.OpExecutionContext) -> None:
    Path(context.op_config["out"]).write_text(
        json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "warmed": WARMED})
    )


@dg.op(config_schema={"seconds": float})
def wait_a_while(context: dg.OpExecutionContext) -> None:
    end = time.monotonic() + context.op_config["seconds"]
    while time.monotonic() < end:
        time.sleep(0.1)


@dg.op
def fail_on_purpose() -> None:
    raise ValueError("this step fails on purpose")


@dg.job(executor_def=dg.in_process_executor)
def failing_run() -> None:
    fail_on_purpose()


@dg.job(executor_def=dg.in_process_executor)
def where_it_ran() -> None:
    report_process()


@dg.job(executor_def=dg.in_process_executor)
def long_run() -> None:
    wait_a_while()
