#!/usr/bin/env bash
# Install the locked environment into .venv (uv from PyPI if it is missing). Idempotent, ~5 s warm.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -m uv --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "uv>=0.13,<0.14"
fi
python3 -m uv sync --frozen --quiet
