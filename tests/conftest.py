"""Settings for every test.

Files written by a test are taken at once: the inbox's settle time (a file must be left unchanged
this long before it is taken, ``IMPACT_INBOX_SETTLE_SECONDS``) is 0 unless a test sets it; the
processes the tests start inherit it.
"""

import os

os.environ.setdefault("IMPACT_INBOX_SETTLE_SECONDS", "0")

# Property tests draw the same examples on every run (a red CI means a change broke something,
# not that a new random draw found something old); `HYPOTHESIS_PROFILE=explore` draws new ones,
# for a fuzzing session whose finds are then pinned as `@example`s.
from hypothesis import settings  # noqa: E402

settings.register_profile("default", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
