"""One place for every setting of the impact model.

Paths and the reporting date come from flags, then environment variables, then defaults (the
output contract's order). Where a run writes is the deployment's business: Dagster-launched runs
take the paths and the atomic-run setting from the IMPACT_* variables of the process only (never
from launchpad config); ``impact run`` sets those variables from its flags for its own process. Thresholds and rates that the indicators use live here too, so that a
change of policy (a new EUR rate, another suppression threshold) is made in one place.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "sql"
REFERENCE_DIR = PROJECT_ROOT / "reference"
BOARD_DECISION_CSV = REFERENCE_DIR / "board_decision_2025.csv"
CORE_THEMES_CSV = REFERENCE_DIR / "core_themes.csv"
TIMEZONE = ZoneInfo("Europe/Copenhagen")

NATIONAL_TARGET_SMES_COLLECTIVE = 5562
NATIONAL_TARGET_SMES_CONCEPTS = 683
EXPECTED_TURNOVER_EFFECT = 0.07


@dataclass(frozen=True)
class Thresholds:
    """Policy figures used by the indicators, the checks and the report."""

    eur_dkk_rate: float = 7.46
    sme_max_employees: float = 250
    sme_max_turnover_eur: float = 50_000_000
    sme_max_total_assets_eur: float = 43_000_000
    trajectory_on_track: float = 0.9
    trajectory_behind: float = 0.6
    cofinancing_behind_factor: float = 0.75
    liquidity_critical_months: float = 1
    liquidity_behind_months: float = 3
    free_liquidity_critical_months: float = 0
    free_liquidity_behind_months: float = 1
    expected_turnover_effect: float = EXPECTED_TURNOVER_EFFECT
    #: z of the 95 % confidence intervals of the matched effects and the pre-trend placebo
    confidence_z: float = 1.96
    revenue_mismatch_tolerance: float = 0.01
    disclosure_min_firms: int = 5
    max_rejected_share: float = 0.05
    unverified_share_flag: float = 0.0

    def as_params(self) -> dict[str, float]:
        """The thresholds as named SQL parameters."""
        return {k: float(v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Settings:
    inbox: Path
    warehouse: Path
    reports: Path
    as_of: dt.date
    lang: str = "da"
    thresholds: Thresholds = field(default_factory=Thresholds)

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def today_in_copenhagen() -> dt.date:
    return dt.datetime.now(TIMEZONE).date()


def parse_as_of(value: str | dt.date | None) -> dt.date:
    if value is None or value == "":
        return today_in_copenhagen()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"as_of must be a date as YYYY-MM-DD, got {value!r}") from exc


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


def thresholds_from_env() -> Thresholds:
    base = Thresholds()
    return replace(
        base,
        eur_dkk_rate=_float_env("IMPACT_EUR_DKK_RATE", base.eur_dkk_rate),
        disclosure_min_firms=_int_env("IMPACT_DISCLOSURE_MIN_FIRMS", base.disclosure_min_firms),
        max_rejected_share=_float_env("IMPACT_MAX_REJECTED_SHARE", base.max_rejected_share),
    )


def inbox_settle_seconds() -> float:
    """How long a delivered file must have been left unchanged before it is taken.

    A file younger than this is looked at again after the rest of this time; if it changed
    meanwhile it is still being written and is left for the next run (input contract rule 10).
    The clusters' tools should write a file under a hidden name and rename it into place when it
    is complete (README: the inbox), so that a half-written file is never seen at all.
    """
    return _float_env("IMPACT_INBOX_SETTLE_SECONDS", 2.0)


def report_retention() -> int:
    """How many dated reports (``impact_report_<as_of>.html``) stay in the reports folder: the
    newest reporting dates (``IMPACT_REPORT_RETENTION``, default 10; 0 keeps every one). The
    undated ``impact_report.html`` and the run's own report always stay."""
    return max(0, _int_env("IMPACT_REPORT_RETENTION", 10))


PATH_VARIABLES = {"inbox": "IMPACT_INBOX", "warehouse": "IMPACT_WAREHOUSE", "reports": "IMPACT_REPORTS"}


@contextmanager
def deployment_paths(
    inbox: str | Path | None = None,
    warehouse: str | Path | None = None,
    reports: str | Path | None = None,
) -> Iterator[None]:
    """Set the IMPACT_* path variables of this process for a block (then restore them): how
    ``impact run`` (and a test) tells an in-process run where to work, as a deployment would."""
    given = {"inbox": inbox, "warehouse": warehouse, "reports": reports}
    names = [PATH_VARIABLES[k] for k, v in given.items() if v is not None]
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({PATH_VARIABLES[k]: str(v) for k, v in given.items() if v is not None})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def atomic_runs_enabled() -> bool:
    """Whether runs build on a shadow copy and publish it whole (``IMPACT_ATOMIC_RUNS``, default
    on). An environment setting of the deployment, so that nobody can switch it off for one run."""
    return (os.environ.get("IMPACT_ATOMIC_RUNS") or "1").strip().lower() not in ("0", "false", "no", "off")


def load_settings(
    inbox: str | Path | None = None,
    warehouse: str | Path | None = None,
    reports: str | Path | None = None,
    as_of: str | dt.date | None = None,
    lang: str | None = None,
) -> Settings:
    """Resolve settings: explicit arguments (flags) win over IMPACT_* variables over defaults.

    Paths are made absolute and the warehouse's symbolic links resolved, so that every process
    (the CLI, the daemon's runs, the sensor) locks, copies and replaces the same file.
    """
    env = os.environ
    lang_value = (lang or env.get("IMPACT_LANG") or "da").lower()
    if lang_value not in ("da", "en"):
        raise ValueError(f"language must be 'da' or 'en', got {lang_value!r}")
    return Settings(
        inbox=Path(inbox or env.get("IMPACT_INBOX") or "data/inbox").absolute(),
        warehouse=Path(warehouse or env.get("IMPACT_WAREHOUSE") or "data/warehouse.duckdb").resolve(),
        reports=Path(reports or env.get("IMPACT_REPORTS") or "data/reports").absolute(),
        as_of=parse_as_of(as_of or env.get("IMPACT_AS_OF")),
        lang=lang_value,
        thresholds=thresholds_from_env(),
    )
