"""GX's background import (started by a run with new files) and the main thread never import at once.

Run in a fresh interpreter each, because the point is the first import of GX.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python(script: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def test_gx_is_imported_once_while_threads_ask_for_it_at_the_same_time():
    # Every thread calls load_gx while the warm-up is importing; load_gx's import statement must
    # run once (the others wait for it), counted through builtins.__import__.
    script = """
import builtins, threading
from quality import gx_runner
count = 0
real_import = builtins.__import__
def counting(name, globals=None, *args, **kwargs):
    global count
    if name == "great_expectations" and (globals or {}).get("__name__") == "quality.gx_runner":
        count += 1  # the import statement in load_gx ran
    return real_import(name, globals, *args, **kwargs)
builtins.__import__ = counting
warm = gx_runner.warm_up_in_background()
results = []
threads = [threading.Thread(target=lambda: results.append(gx_runner.load_gx())) for _ in range(4)]
for t in threads: t.start()
results.append(gx_runner.load_gx())
for t in threads: t.join()
gx_runner.wait_for_warm_up()
assert not warm.is_alive()
assert len({id(m) for m in results}) == 1 and len(results) == 5, results
print("imports", count)
"""
    done = _python(script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "imports 1"


def test_wait_for_warm_up_returns_at_once_when_no_warm_up_runs():
    done = _python("from quality import gx_runner; gx_runner.wait_for_warm_up(); "
                   "import sys; print('great_expectations' in sys.modules)")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "False"
