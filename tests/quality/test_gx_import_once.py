"""GX is imported by one thread while others wait (two concurrent imports can meet half-initialised
modules). Run in a fresh interpreter, because the point is the first import of GX."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
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
results = []
threads = [threading.Thread(target=lambda: results.append(gx_runner.load_gx())) for _ in range(4)]
for t in threads: t.start()
results.append(gx_runner.load_gx())
for t in threads: t.join()
assert len({id(m) for m in results}) == 1 and len(results) == 5, results
print("imports", count)
"""


def test_gx_is_imported_once_while_threads_ask_for_it_at_the_same_time():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "imports 1"
