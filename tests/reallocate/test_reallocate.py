"""``impact reallocate``: the water-filling (properties and a hand-computed example) and the command
against a real warehouse (table, CSV, exit codes, read-only)."""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.ingestion.loader import ingest_dataset
from pipelines.cli import main
from pipelines.core.warehouse import connect_writer
from pipelines.reallocate import Eligible, allocate, water_fill

# --- the water-filling -----------------------------------------------------------------------------

amounts = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
rows = st.lists(
    st.tuples(
        st.one_of(st.just(0.0), st.floats(min_value=1e3, max_value=1e10)),  # w = score x applied
        st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1e8)),  # headroom
    ),
    min_size=1,
    max_size=12,
)


def _tol(x: float) -> float:
    return 1e-6 * max(1.0, abs(x))


@settings(max_examples=300, deadline=None)
@given(rows, amounts)
def test_increments_within_headroom_and_summing_to_what_can_be_placed(rows, amount) -> None:  # noqa: ANN001
    weights, headrooms = zip(*rows, strict=True)
    d = water_fill(weights, headrooms, amount)
    for w, h, x in zip(weights, headrooms, d, strict=True):
        assert 0 <= x <= h
        if w == 0:
            assert x == 0  # w = 0 never receives
    placeable = math.fsum(h for w, h in rows if w > 0)  # the headroom of w = 0 rows does not count
    assert math.fsum(d) == pytest.approx(min(amount, placeable), rel=1e-9, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(rows, amounts, amounts)
def test_increments_grow_monotonically_with_the_amount(rows, a, b) -> None:  # noqa: ANN001
    weights, headrooms = zip(*rows, strict=True)
    low, high = sorted((a, b))
    for x, y in zip(water_fill(weights, headrooms, low), water_fill(weights, headrooms, high), strict=True):
        assert x <= y + _tol(y)


@settings(max_examples=300, deadline=None)
@given(rows, amounts)
def test_proportional_to_score_times_applied_below_the_cap(rows, amount) -> None:  # noqa: ANN001
    weights, headrooms = zip(*rows, strict=True)
    d = water_fill(weights, headrooms, amount)
    below = [(w, x) for w, h, x in zip(weights, headrooms, d, strict=True) if w > 0 and x < h - _tol(h)]
    if not below:
        return
    mu = below[0][1] / below[0][0]
    for w, x in below:  # one common μ: Δ_i = μ w_i for every row below its cap ...
        assert x / w == pytest.approx(mu, rel=1e-9, abs=1e-15)
    for w, h, x in zip(weights, headrooms, d, strict=True):  # ... and the capped ones fill first
        if w > 0 and h > 0 and x >= h - _tol(h):
            assert h / w <= mu * (1 + 1e-9) + 1e-15


def test_hand_computed_water_filling() -> None:
    # A: w = 8 x 10 = 80, headroom 2 (ratio 0.025); B: w = 5 x 20 = 100, headroom 5 (0.05);
    # C: w = 100, headroom 0; D: w = 0, headroom 7 (never receives, and does not count).
    weights, headrooms = (80.0, 100.0, 100.0, 0.0), (2.0, 5.0, 0.0, 7.0)
    # 1.8: μ = 1.8 / (80 + 100) = 0.01 < 0.025: nobody capped -> A 0.8, B 1.0
    assert water_fill(weights, headrooms, 1.8) == pytest.approx([0.8, 1.0, 0.0, 0.0])
    # 6: μ = 6 / 180 = 0.0333 >= 0.025 -> A capped at 2; then μ = 4 / 100 = 0.04 -> B 4 (< 5)
    assert water_fill(weights, headrooms, 6.0) == pytest.approx([2.0, 4.0, 0.0, 0.0])
    # 10: more than the 2 + 5 that can be placed -> both capped; 3 stays unallocated
    result = allocate(
        [Eligible(c, "cluster", applied, score, applied - h, 10) for c, applied, score, h in (
            ("a", 10.0, 8.0, 2.0), ("b", 20.0, 5.0, 5.0), ("c", 10.0, 10.0, 0.0), ("d", 7.0, 0.0, 7.0),
        )],
        10.0,
        None,
    )  # fmt: skip
    assert [r.increment_dkk for r in result.rows] == [2.0, 5.0, 0.0, 0.0]
    assert result.unallocated_dkk == 3.0


# --- the command -----------------------------------------------------------------------------------

GRANTS = (
    "grant_id,cluster_id,grant_type,awarded_dkk,period_start,period_end,target_smes\n"
    "OR-C,odense-robotics,cluster,40000000,2025-01-01,2028-12-31,398\n"
    "OR-I,odense-robotics,innovation,11400000,2025-01-01,2028-12-31,49\n"
    "CL-C,clean,cluster,60000000,2025-01-01,2028-12-31,500\n"
    "CL-I,clean,innovation,23400000,2025-01-01,2028-12-31,120\n"
    "CS-C,censec,cluster,44100000,2025-01-01,2028-12-31,300\n"
)
APPLICATIONS = (
    "cluster_id,grant_type,applied_dkk,weighted_score\n"
    "odense-robotics,cluster,50000000,8\n"     # headroom 10m, w = 400m (ratio 0.025)
    "odense-robotics,innovation,11400000,9\n"  # headroom 0: listed with increment 0
    "clean,cluster,70000000,6\n"               # headroom 10m, w = 420m (ratio 0.0238)
    "clean,innovation,33400000,7.5\n"          # headroom 10m, w = 250.5m (ratio 0.0399)
    "censec,cluster,50000000,0\n"              # w = 0: never receives; its 5.9m does not count
    "censec,innovation,20000000,7\n"           # no innovation grant: not eligible
    "made,cluster,60000000,6\n"                # a rejected applicant: not eligible
)
HEADER = "cluster_id,grant_type,current_dkk,increment_dkk,new_dkk,target_smes,new_target_smes"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    for dataset, text in (("grants", GRANTS), ("applications", APPLICATIONS)):
        (inbox / dataset).mkdir(parents=True)
        (inbox / dataset / f"{dataset}.csv").write_text(text, encoding="utf-8")
    path = tmp_path / "w.duckdb"
    with connect_writer(path) as con:
        for dataset in ("grants", "applications"):
            ingest_dataset(con, inbox, dataset)
    return path


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_hand_computed_table_and_csv(warehouse: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    # 28m over odense cluster (w 400m), clean cluster (w 420m), clean innovation (w 250.5m):
    #   μ = 28 / 1070.5 = 0.02616 > clean cluster's 10 / 420 = 0.0238 -> capped at 10m;
    #   μ = 18 / 650.5 = 0.02767 > odense cluster's 10 / 400 = 0.025 -> capped at 10m;
    #   μ = 8 / 250.5 = 0.0319 < 10 / 250.5 = 0.0399 -> clean innovation gets 8m. Unallocated 0.
    # Targets: floor(398 x 50 / 40) = floor(497.5) = 497; floor(500 x 70 / 60) = floor(583.3) = 583;
    #          floor(120 x 31.4 / 23.4) = floor(161.03) = 161; unchanged where the increment is 0.
    out = tmp_path / "out" / "what_if.csv"
    code = main(["reallocate", "--amount", "28000000", "--warehouse", str(warehouse), "--csv", str(out)])
    assert code == 0
    assert _csv(out) == [
        HEADER.split(","),
        ["censec", "cluster", "44100000.00", "0.00", "44100000.00", "300", "300"],
        ["clean", "cluster", "60000000.00", "10000000.00", "70000000.00", "500", "583"],
        ["clean", "innovation", "23400000.00", "8000000.00", "31400000.00", "120", "161"],
        ["odense-robotics", "cluster", "40000000.00", "10000000.00", "50000000.00", "398", "497"],
        ["odense-robotics", "innovation", "11400000.00", "0.00", "11400000.00", "49", "49"],
        ["unallocated", "", "", "0.00", "", "", ""],
    ]
    assert out.read_text(encoding="utf-8").splitlines()[-1] == "unallocated,,,0.00,,,"
    printed = capsys.readouterr().out
    assert "28.000.000" in printed  # Danish number style on the terminal
    assert "70.000.000" in printed and "10.000.000" in printed and "8.000.000" in printed
    assert "70000000" not in printed


def test_from_leaves_the_cluster_out_and_the_rest_is_unallocated(warehouse: Path, tmp_path: Path) -> None:
    # --from clean: odense cluster (headroom 10m) is the only row with w > 0 and room;
    # 40m -> 10m placed, 30m unallocated; floor(398 x 50 / 40) = 497
    out = tmp_path / "w.csv"
    assert main(["reallocate", "--amount", "40000000", "--from", "clean", "--warehouse", str(warehouse),
                 "--csv", str(out), "--as-of", "2026-06-30"]) == 0  # fmt: skip
    rows = _csv(out)
    assert [r[0] for r in rows[1:-1]] == ["censec", "odense-robotics", "odense-robotics"]
    assert rows[2] == ["odense-robotics", "cluster", "40000000.00", "10000000.00", "50000000.00",
                       "398", "497"]  # fmt: skip
    assert rows[-1] == ["unallocated", "", "", "30000000.00", "", "", ""]
    # a rejected applicant is a known cluster: it returns nothing of its own, everyone stays eligible
    assert main(["reallocate", "--amount", "1", "--from", "made", "--warehouse", str(warehouse)]) == 0


def test_unknown_cluster_and_missing_applications_exit_2(warehouse: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert main(["reallocate", "--amount", "1000", "--from", "nordic-ai", "--warehouse", str(warehouse)]) == 2
    assert "unknown cluster 'nordic-ai'" in capsys.readouterr().err
    assert main(["reallocate", "--amount", "-5", "--warehouse", str(warehouse)]) == 2
    capsys.readouterr()
    # a warehouse whose inbox never had applications
    empty = tmp_path / "empty.duckdb"
    with connect_writer(empty):
        pass
    assert main(["reallocate", "--amount", "1000", "--warehouse", str(empty)]) == 2
    assert "no applications were delivered" in capsys.readouterr().err
    assert main(["reallocate", "--amount", "1000", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "no applications were delivered" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()


def test_it_never_writes_to_the_warehouse(warehouse: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    warehouse.chmod(0o444)  # read-only on disk (a write fails unless run as root; the hash tells)
    try:
        assert main(["reallocate", "--amount", "5000000", "--warehouse", str(warehouse)]) == 0
    finally:
        warehouse.chmod(0o644)
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
