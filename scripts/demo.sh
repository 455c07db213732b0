#!/usr/bin/env bash
# Set everything up and run the main job on the embedded demo data:
# demo inbox -> data/inbox, warehouse -> data/warehouse.duckdb, report -> data/reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
.venv/bin/impact demo --out data/inbox "$@"
.venv/bin/impact run --inbox data/inbox --warehouse data/warehouse.duckdb --reports data/reports
