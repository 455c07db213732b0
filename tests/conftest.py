"""Settings for every test.

Files written by a test are taken at once: the inbox's settle time (a file must be left unchanged
this long before it is taken, ``IMPACT_INBOX_SETTLE_SECONDS``) is 0 unless a test sets it; the
processes the tests start inherit it.
"""

import os

os.environ.setdefault("IMPACT_INBOX_SETTLE_SECONDS", "0")
