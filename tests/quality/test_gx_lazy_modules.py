"""GX's import leaves ``scipy.stats`` unloaded (no suite of ours uses it), and an expectation that
does use it still gets the real module. Run in a fresh interpreter: the point is the first import."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, types
import pandas as pd
from quality import gx_runner
gx_runner.load_gx()
after_import = "scipy.stats._stats_py" in sys.modules
kl = gx_runner.expectations().ExpectColumnKLDivergenceToBeLessThan(
    column="x", partition_object={"values": ["a", "b"], "weights": [0.5, 0.5]}, threshold=0.6)
[outcome] = gx_runner.validate_frame("lazy", pd.DataFrame({"x": ["a", "a", "a", "b"]}),
                                     [gx_runner.Expectation("kl", kl)])
print(json.dumps({"loaded_by_gx_import": after_import, "success": outcome.success,
                  "error": outcome.error, "observed": outcome.observed_value,
                  "real_module_after_use": type(sys.modules["scipy.stats"]) is types.ModuleType}))
"""


def test_gx_import_leaves_scipy_stats_unloaded_and_an_expectation_that_needs_it_loads_it():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["loaded_by_gx_import"] is False
    assert result["success"] is True and result["error"] is None
    # KL(observed || expected) by hand: observed a 3/4, b 1/4 against 1/2, 1/2.
    by_hand = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert math.isclose(result["observed"], by_hand, rel_tol=1e-9)
    assert result["real_module_after_use"] is True
