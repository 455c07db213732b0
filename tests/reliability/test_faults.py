"""Faults of the machine fail the run loudly and decide nothing (input contract rule 10).

A fault (ENOSPC, EIO, an immutable warehouse, a small file system really filling up) is made to
happen while a file is read or written, while a model is built, at the checkpoint and at the
publication. Each time: a non-zero exit whose first line on stderr names the fault; the published
warehouse and report are the same bytes as before the run; no good file is recorded ``failed``;
and the next run, the fault gone, ends exactly where a run without the fault ends.

The runs go through ``impact run``'s own code in this process (``run_pipeline``): a subprocess
would add Dagster's start-up to every run; the kill tests show the same in subprocesses.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines.core.config import load_settings
from pipelines.runner import run_pipeline
from tests.reliability.runs import AS_OF, FILES, snapshot, verdict, write_inbox

NIGHT_ONE = ["grants/g.csv", "activities/a.csv", "participation/p1.csv"]
NIGHT_TWO = ["participation/p2.csv"]


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


class Site:
    """An inbox, a warehouse and a reports folder in one folder, and ``impact run`` on them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox, self.warehouse, self.reports = root / "inbox", root / "w.duckdb", root / "reports"

    def run(self, capsys, monkeypatch, fault_at: str | None = None, **env: str) -> tuple[int, str, str]:
        capsys.readouterr()
        with monkeypatch.context() as m:
            if fault_at:
                m.setenv("IMPACT_TEST_FAULT_AT", fault_at)
            for name, value in env.items():
                m.setenv(name, value)
            code = run_pipeline(load_settings(self.inbox, self.warehouse, self.reports, AS_OF))
        out = capsys.readouterr()
        return code, out.out, out.err

    def state(self) -> dict[str, str | None]:
        """Every published file's bytes (as hashes): the warehouse, its backup, the reports."""
        files = {"warehouse": _sha(self.warehouse), "prev": _sha(self.root / "w.duckdb.prev")}
        for report in sorted(self.reports.glob("*")) if self.reports.exists() else []:
            files[report.name] = _sha(report)
        return files

    def leftovers(self) -> list[str]:
        """Files a run leaves behind only while it runs (its shadow, temporary reports)."""
        names = [p.name for p in self.root.iterdir()] + (
            [p.name for p in self.reports.iterdir()] if self.reports.exists() else []
        )
        return sorted(n for n in names if "run-shadow" in n or n.endswith(".tmp"))

    def verdicts(self) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute("SELECT file_name, status FROM meta.ingested_files ORDER BY 1").fetchall()


@pytest.fixture(scope="module")
def night_one(tmp_path_factory) -> Path:
    """A site after a first, clean night (grants, activities, participation/p1.csv)."""
    site = Site(tmp_path_factory.mktemp("night_one"))
    write_inbox(site.inbox, NIGHT_ONE)
    assert run_pipeline(load_settings(site.inbox, site.warehouse, site.reports, AS_OF)) == 0
    return site.root


def _copy(night_one: Path, to: Path) -> Site:
    shutil.copytree(night_one, to, dirs_exist_ok=True)
    site = Site(to)
    write_inbox(site.inbox, NIGHT_TWO)
    return site


@pytest.fixture(scope="module")
def clean_night_two(night_one, tmp_path_factory) -> dict:
    """What the second night publishes when nothing goes wrong."""
    site = _copy(night_one, tmp_path_factory.mktemp("clean_two"))
    assert run_pipeline(load_settings(site.inbox, site.warehouse, site.reports, AS_OF)) == 0
    return snapshot(site.warehouse)


FAULTS = {
    "reading a file": ("ingest:read:participation/p2.csv", "EIO", "Input/output error"),
    "writing a file": ("ingest:during:participation/p2.csv", "ENOSPC", "No space left on device"),
    "building a model": ("model:marts/indicators", "ENOSPC", "No space left on device"),
    "writing the report": ("report:before_rename:impact_report_*", "ENOSPC", "No space left on device"),
    "the checkpoint": ("publish:checkpoint", "ENOSPC", "No space left on device"),
    "keeping the backup": ("publish:backup", "EIO", "Input/output error"),
    "the publication": ("publish:rename", "EIO", "Input/output error"),
}


@pytest.mark.slow
@pytest.mark.parametrize("point, code, words", list(FAULTS.values()), ids=list(FAULTS))
def test_a_fault_fails_loudly_decides_nothing_and_the_next_run_is_clean(
    tmp_path, night_one, clean_night_two, capsys, monkeypatch, point, code, words
):
    site = _copy(night_one, tmp_path / "site")
    before = site.state()
    exit_code, _, err = site.run(capsys, monkeypatch, fault_at=f"{point}={code}")
    assert exit_code == 1
    first = verdict(err)
    assert first.startswith("impact run: failed: ") and f"{words} ({code})" in first, err
    assert "nothing was published" in first and str(site.warehouse) in first
    assert site.state() == before  # not one byte of the warehouse, its backup or the reports
    assert site.leftovers() == []
    assert "failed" not in {status for _, status in site.verdicts()}
    assert site.run(capsys, monkeypatch)[0] == 0
    assert snapshot(site.warehouse) == clean_night_two


@pytest.mark.slow
def test_a_report_that_cannot_be_put_in_place_fails_the_run_after_the_warehouse_is_published(
    tmp_path, night_one, clean_night_two, capsys, monkeypatch
):
    site = _copy(night_one, tmp_path / "site")
    report_before = _sha(site.reports / "impact_report.html")
    exit_code, _, err = site.run(capsys, monkeypatch, fault_at="publish:replace:impact_report*=EIO")
    assert exit_code == 1
    first = verdict(err)
    assert "was published, but" in first and "Input/output error (EIO)" in first, err
    assert snapshot(site.warehouse) == clean_night_two  # the warehouse is the new one
    assert _sha(site.reports / "impact_report.html") == report_before
    assert site.leftovers() == []


def _chattr(flag: str, path: Path) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


@pytest.mark.slow
def test_an_immutable_warehouse_file_gives_a_non_zero_exit_and_the_old_report(
    tmp_path, night_one, clean_night_two, capsys, monkeypatch
):
    site = _copy(night_one, tmp_path / "site")
    if not _chattr("+i", site.warehouse):
        pytest.skip("chattr +i is not available here")
    try:
        before = site.state()
        exit_code, out, err = site.run(capsys, monkeypatch)
        assert exit_code == 1 and "run complete" not in out
        first = verdict(err)
        assert "Operation not permitted (EPERM)" in first and "nothing was published" in first, err
        assert site.state() == before  # the report was not renamed either
    finally:
        _chattr("-i", site.warehouse)
    assert site.leftovers() == []
    assert site.run(capsys, monkeypatch)[0] == 0
    assert snapshot(site.warehouse) == clean_night_two


def _mount_tmpfs(folder: Path, megabytes: int) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)], capture_output=True
    )
    return done.returncode == 0


def _resize_tmpfs(folder: Path, megabytes: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={megabytes}m", str(folder)], check=True)


def _cvr(n: int) -> str | None:
    """The 8-digit CVR number whose first seven digits are ``n``, if one passes modulus 11."""
    digits = [int(d) for d in f"{n:07d}"]
    check = -sum(w * d for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
    return None if check == 10 else f"{n:07d}{check}"


def _register(firms: int) -> str:
    cvrs = [c for c in (_cvr(3_000_000 + i) for i in range(firms * 2)) if c][:firms]
    lines = ["cvr,year,employees,turnover_dkk,nace_code,region"]
    lines += [f"{cvr},{year},{i % 300},{i * 1000},6201,DK0{i % 5 + 1}"
              for i, cvr in enumerate(cvrs) for year in (2024, 2025)]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_a_really_full_file_system_fails_the_run_and_a_run_with_space_ends_clean(
    tmp_path, night_one, capsys, monkeypatch
):
    """The warehouse on a small tmpfs (as root): a big register file fills it during the run."""
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, 64):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        site = _copy(night_one, disk / "site")
        (site.inbox / "firms").mkdir(exist_ok=True)
        (site.inbox / "firms" / "register.csv").write_text(_register(100_000), encoding="utf-8")
        # What a run with space publishes, on the ordinary disk.
        with_space = Site(tmp_path / "with_space")
        shutil.copytree(site.root, with_space.root)
        assert with_space.run(capsys, monkeypatch)[0] == 0

        used = sum(p.stat().st_size for p in site.root.rglob("*") if p.is_file())
        # Room for the run's copy of the warehouse and a little more, not for a register of
        # 200,000 firm-years (their raw rows and staged rows take well over 10 MB; 60,000 were
        # enough while each raw row was a JSON document).
        _resize_tmpfs(disk, used // 2**20 + 10)
        before = site.state()
        exit_code, _, err = site.run(capsys, monkeypatch, IMPACT_MIN_FREE_MB="1")
        assert exit_code == 1
        first = verdict(err)
        assert "No space left on device" in first and "nothing was published" in first, err
        assert site.state() == before
        assert "failed" not in {status for _, status in site.verdicts()}
        assert site.leftovers() == []

        _resize_tmpfs(disk, 256)
        assert site.run(capsys, monkeypatch)[0] == 0
        assert ("firms/register.csv", "ingested") in site.verdicts()
        tables = ["meta.ingested_files", "quality.rejected_rows", "staging.firms", "staging.participation",
                  "marts.indicators", "marts.flags"]
        assert snapshot(site.warehouse, tables) == snapshot(with_space.warehouse, tables)
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.mark.slow
def test_too_little_free_space_for_the_copy_is_refused_before_it_is_made(
    tmp_path, night_one, capsys, monkeypatch
):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, 64):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        site = _copy(night_one, disk / "site")
        size = site.warehouse.stat().st_size
        # Leave less free space than the copy plus its headroom needs.
        ballast = disk / "ballast"
        free = shutil.disk_usage(disk).free
        ballast.write_bytes(b"\0" * (free - size // 2))
        before = site.state()
        exit_code, _, err = site.run(capsys, monkeypatch)
        assert exit_code == 1
        first = verdict(err)
        assert "not enough free space" in first and "MB needed" in first and "MB free" in first, err
        assert site.state() == before and site.leftovers() == []
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_fault_hook_raises_the_os_error_at_the_named_point(monkeypatch):
    import errno

    from pipelines.core.faults import fault_point

    monkeypatch.setenv("IMPACT_TEST_FAULT_AT", "ingest:read:participation/*=ENOSPC;publish:rename=EIO")
    fault_point("ingest:read:grants/g.csv")  # not a matching point: nothing happens
    with pytest.raises(OSError) as caught:
        fault_point("ingest:read:participation/p1.csv")
    assert caught.value.errno == errno.ENOSPC
    with pytest.raises(OSError) as caught:
        fault_point("publish:rename")
    assert caught.value.errno == errno.EIO


def test_files_are_as_declared():
    assert set(NIGHT_ONE + NIGHT_TWO) == set(FILES)


@pytest.mark.slow
def test_a_run_on_a_damaged_warehouse_publishes_nothing_says_so_first_and_restore_recovers(
    tmp_path, night_one, capsys, monkeypatch
):
    from pipelines.cli import main
    from tests.reliability.test_publication import _damage_a_data_block

    site = _copy(night_one, tmp_path / "site")
    assert site.run(capsys, monkeypatch)[0] == 0  # night two: night one is kept as w.duckdb.prev
    # A block of data this run neither reads nor rewrites (a table of earlier history; the run
    # appends to raw.rows, whose last row group DuckDB then writes anew and frees the old block).
    with duckdb.connect(str(site.warehouse)) as con:
        con.execute("CREATE TABLE meta.history_kept AS SELECT range AS n FROM range(200000)").fetchall()
    _damage_a_data_block(site.warehouse, "meta.history_kept")
    (site.inbox / "participation" / "p3.csv").write_text(
        "activity_id,cvr,participation_date\nAI1,13585628,2025-03-09\n", encoding="utf-8"
    )
    before = site.state()
    exit_code, _, err = site.run(capsys, monkeypatch)
    assert exit_code == 1
    first = verdict(err)
    assert first.startswith(f"impact run: failed: the warehouse {site.warehouse} is corrupted ("), err
    assert f"`impact restore --warehouse {site.warehouse}`" in first
    assert site.state() == before  # the damaged copy was refused: nothing published, backup kept

    assert main(["restore", "--warehouse", str(site.warehouse)]) == 0
    assert site.run(capsys, monkeypatch)[0] == 0  # night one's warehouse, then p2 and p3 again
    assert {("participation/p2.csv", "ingested"), ("participation/p3.csv", "ingested")} <= set(site.verdicts())
