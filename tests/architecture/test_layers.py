"""The import layers of pyproject.toml cover every application module (a new module in pipelines/
must be placed in a layer), and the contract holds (lint-imports, also run by scripts/test.sh)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_application_module_is_in_the_top_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = config["tool"]["importlinter"]["contracts"][0]["layers"]
    top = {m.strip() for m in layers[0].replace("|", ":").split(":")}
    modules = {f"pipelines.{p.stem}" for p in (ROOT / "pipelines").glob("*.py") if p.stem != "__init__"}
    assert modules == top
    assert layers[-1] == "pipelines.core"


def test_the_layers_contract_is_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
