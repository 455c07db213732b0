#!/usr/bin/env bash
# Set everything up and run the whole test suite (lint first). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
