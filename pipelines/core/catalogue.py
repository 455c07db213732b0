"""The indicator catalogue (``catalogue.toml`` beside this file) as typed data.

One entry per indicator code of the output contract. The SQL of an indicator lives in
``sql/marts/indicators/<code>.sql``; its status rule, unit, grain, labels and flag sentence live
here, and every other part of the product reads them from here: the status CASE in SQL (through
``reference.indicator_catalogue``), the integrity and business checks, the report's labels and
number formats, and the Dagster metadata. Adding an indicator = one entry + one SQL file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pipelines.core.contract import GRANT_TYPES

CATALOGUE_TOML = Path(__file__).with_name("catalogue.toml")
LANGS: tuple[str, ...] = ("da", "en")

UNITS = ("count", "share", "index", "ratio", "growth", "months", "dkk")
SCOPES = ("cluster", "ALL")
PERIODS = ("to_date", "fiscal_year", "start_year", "survey_year", "cohort")
STATUS_RULES = (
    "none", "trajectory", "cofinancing", "equity", "liquidity", "free_liquidity", "effect",
)
# The board's six guiding headlines ("pejlemærker" a-f, outputs.md: the board report).
HEADLINES = ("a", "b", "c", "d", "e", "f")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """The catalogue file breaks its own rules (an unknown unit, a missing label, ...)."""


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    code: str
    family: str
    unit: str
    scopes: tuple[str, ...]
    period: str
    label: dict[str, str]
    status_rule: str = "none"
    summed: bool = False
    interval: bool = False
    short: dict[str, str] = field(default_factory=dict)
    sentence: dict[str, str] = field(default_factory=dict)
    headlines: tuple[str, ...] = ()
    grant_type: str | None = None
    never_negative: bool = False
    at_most_awarded: bool = False

    @property
    def has_status(self) -> bool:
        """Whether a row can be ``behind``/``critical`` (and so flagged and checked)."""
        return self.status_rule != "none"

    @property
    def bounded_0_1(self) -> bool:
        """Shares and indices lie within 0..1."""
        return self.unit in ("share", "index")

    @property
    def non_negative(self) -> bool:
        """Counts are never negative, nor is a figure the catalogue marks ``never_negative``."""
        return self.unit == "count" or self.never_negative

    @property
    def sql_file(self) -> str:
        """The name of its SQL file under ``sql/`` (for ``warehouse.sql_text``)."""
        return f"marts/indicators/{self.code}"


@dataclass(frozen=True)
class DataQualityFlag:
    """A data-quality flag code of ``marts.flags`` (``dq_*``).

    ``indicator``: the indicator whose row (same cluster and period) the flag is raised on, where
    there is one (``dq_pretrend`` on a ``turnover_pretrend`` row); the report suppresses the flag
    together with that row.
    """

    code: str
    label: dict[str, str]
    indicator: str | None = None


@dataclass(frozen=True)
class Catalogue:
    indicators: dict[str, Indicator]
    families: dict[str, str]  # family -> title
    data_quality_flags: dict[str, DataQualityFlag]

    def __getitem__(self, code: str) -> Indicator:
        return self.indicators[code]

    def __contains__(self, code: object) -> bool:
        return code in self.indicators

    def __iter__(self):
        return iter(self.indicators.values())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.indicators)

    def codes_where(self, **wanted: object) -> tuple[str, ...]:
        """Codes of the indicators whose attributes equal ``wanted`` (e.g. ``unit="count"``)."""
        return tuple(
            i.code for i in self if all(getattr(i, k) == v for k, v in wanted.items())
        )

    def by_headline(self) -> dict[str, tuple[str, ...]]:
        """Guiding headline (a-f) -> the codes that measure it, in catalogue order."""
        return {h: tuple(i.code for i in self if h in i.headlines) for h in HEADLINES}

    def count_of_grant_type(self, grant_type: str) -> Indicator:
        """The SME count held against the targets of ``grant_type``'s grants."""
        return next(i for i in self if i.grant_type == grant_type)

    def checked_families(self) -> dict[str, tuple[str, ...]]:
        """Business-check families: family -> the codes in it that carry a status rule."""
        out: dict[str, tuple[str, ...]] = {}
        for family in self.families:
            codes = tuple(i.code for i in self if i.family == family and i.has_status)
            if codes:
                out[family] = codes
        return out


def _labels(entry: dict, key: str, where: str, required: bool = True) -> dict[str, str]:
    value = entry.get(key, {})
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: {key} must be a table of languages")
    missing = [lang for lang in LANGS if lang not in value]
    if value and missing or required and missing:
        raise CatalogueError(f"{where}: {key} lacks {', '.join(missing)}")
    return {lang: str(value[lang]) for lang in LANGS if lang in value}


def _choice(entry: dict, key: str, allowed: tuple[str, ...], where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if value not in allowed:
        raise CatalogueError(f"{where}: {key} = {value!r}, expected one of {', '.join(allowed)}")
    return value


def parse_catalogue(data: dict) -> Catalogue:
    """Build and check a :class:`Catalogue` from the parsed TOML."""
    families = {name: str(spec["title"]) for name, spec in data.get("families", {}).items()}
    indicators: dict[str, Indicator] = {}
    for entry in data.get("indicator", []):
        code = str(entry.get("code", ""))
        where = f"{CATALOGUE_TOML.name}: indicator {code or '?'}"
        if not _CODE.match(code):
            raise CatalogueError(f"{where}: code must be lower-case letters, digits and _")
        if code in indicators:
            raise CatalogueError(f"{where}: declared twice")
        family = str(entry.get("family", ""))
        if family not in families:
            raise CatalogueError(f"{where}: family {family!r} is not declared under [families]")
        scopes = tuple(entry.get("scopes", ()))
        if not scopes or any(s not in SCOPES for s in scopes):
            raise CatalogueError(f"{where}: scopes must be a non-empty list of {SCOPES}")
        indicators[code] = Indicator(
            code=code,
            family=family,
            unit=_choice(entry, "unit", UNITS, where),
            scopes=scopes,
            period=_choice(entry, "period", PERIODS, where),
            status_rule=_choice(entry, "status_rule", STATUS_RULES, where, "none"),
            summed=bool(entry.get("summed", False)),
            interval=bool(entry.get("interval", False)),
            label=_labels(entry, "label", where),
            short=_labels(entry, "short", where, required=False),
            sentence=_labels(entry, "sentence", where, required=False),
            headlines=tuple(entry.get("headlines", ())),
            grant_type=entry.get("grant_type"),
            never_negative=bool(entry.get("never_negative", False)),
            at_most_awarded=bool(entry.get("at_most_awarded", False)),
        )
        if any(h not in HEADLINES for h in indicators[code].headlines):
            raise CatalogueError(f"{where}: headlines must be letters among {', '.join(HEADLINES)}")
        if indicators[code].grant_type not in (None, *GRANT_TYPES):
            raise CatalogueError(f"{where}: grant_type must be one of {GRANT_TYPES}")
        if indicators[code].has_status and not indicators[code].sentence:
            raise CatalogueError(f"{where}: an indicator with a status rule needs a flag sentence")
    flags: dict[str, DataQualityFlag] = {}
    for entry in data.get("data_quality_flag", []):
        code = str(entry.get("code", ""))
        where = f"{CATALOGUE_TOML.name}: data_quality_flag {code or '?'}"
        if not code.startswith("dq_") or not _CODE.match(code):
            raise CatalogueError(f"{where}: a data-quality code starts with dq_")
        about = entry.get("indicator")
        if about is not None and about not in indicators:
            raise CatalogueError(f"{where}: indicator {about!r} is not in the catalogue")
        flags[code] = DataQualityFlag(code, _labels(entry, "label", where), about)
    return Catalogue(indicators, families, flags)


@cache
def catalogue() -> Catalogue:
    """The project's catalogue (read once per process)."""
    with CATALOGUE_TOML.open("rb") as fh:
        return parse_catalogue(tomllib.load(fh))
