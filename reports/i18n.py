"""Danish and English texts and number formatting for the board report.

Danish is the default: ``5.562``, ``7,0 %``, ``0,53``, ``12,3 mio. kr.``. English on request:
``5,562``, ``7.0%``, ``0.53``, ``DKK 12.3m``. Every number the report prints goes through
:class:`Formatter`, so that the two languages never mix on one page.

The running texts and the labels of codes (statuses, datasets, rejection reasons, funding lines)
are in ``reports/locales/<lang>.toml``; what an indicator or a data-quality flag is called, and
how its value is printed (its unit), comes from the indicator catalogue.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.core.catalogue import catalogue

LANGS = ("da", "en")
LOCALES_DIR = Path(__file__).parent / "locales"


@cache
def locale(lang: str) -> dict[str, Any]:
    """The texts of one language (``reports/locales/<lang>.toml``)."""
    with (LOCALES_DIR / f"{lang}.toml").open("rb") as fh:
        return tomllib.load(fh)


@dataclass(frozen=True)
class Formatter:
    """Formats numbers, dates and labels for one language (``da`` or ``en``)."""

    lang: str = "da"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, got {self.lang!r}")

    # -- texts ---------------------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        """The running text ``key`` in this language, with ``values`` filled in."""
        text = locale(self.lang)["text"][key]
        return text.format(**values) if values else text

    def has_text(self, key: str) -> bool:
        return key in locale(self.lang)["text"]

    def _label(self, section: str, code: str) -> str:
        return locale(self.lang)[section].get(code, code)

    def indicator(self, code: str) -> str:
        """What the catalogue calls the indicator."""
        return catalogue()[code].label[self.lang] if code in catalogue() else code

    def short(self, code: str) -> str:
        """The indicator's short label (its label where it has none)."""
        if code not in catalogue():
            return code
        entry = catalogue()[code]
        return (entry.short or entry.label)[self.lang]

    def sentence(self, code: str, **values: object) -> str | None:
        """The catalogue's flag sentence for a row of ``code``, filled in; None if it has none."""
        entry = catalogue().indicators.get(code)
        if entry is None or not entry.sentence:
            return None
        return entry.sentence[self.lang].format(**values)

    def status(self, code: str) -> str:
        return self._label("status", code)

    def severity(self, code: str) -> str:
        return self._label("severity", code)

    def dq(self, code: str) -> str | None:
        """The plain-language text of a data-quality flag code, if known."""
        flag = catalogue().data_quality_flags.get(code)
        return flag.label[self.lang] if flag else None

    def dataset(self, code: str) -> str:
        return self._label("dataset", code)

    def reason(self, code: str) -> str:
        return self._label("reason", code)

    def file_status(self, code: str) -> str:
        return self._label("file_status", code)

    def funding(self, code: str) -> str:
        return self._label("funding", code)

    def theme(self, code: str) -> str:
        """An activity theme code of the input contract in words."""
        return self._label("theme", code)

    def grant_type(self, code: str) -> str:
        return self._label("grant_type", code)

    def business_area(self, cluster_id: str, fallback: str) -> str:
        """A cluster's business area in this language (``fallback``: as the board decision has it,
        for a cluster the locale file does not know)."""
        return locale(self.lang)["business_area"].get(cluster_id, fallback)

    def period(self, period: str) -> str:
        if period == "to_date":
            return self.t("period_to_date")
        if period == "all":
            return self.t("period_all")
        return period

    # -- numbers -------------------------------------------------------------------------------
    def _swap(self, text: str) -> str:
        """Turn Python's ``1,234.5`` into Danish ``1.234,5``."""
        if self.lang == "da":
            return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return text

    def integer(self, value: float | None) -> str:
        """``5562`` → ``5.562`` (da) / ``5,562`` (en)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return self._swap(f"{round(value):,}")

    def decimal(self, value: float | None, places: int = 2) -> str:
        """``0.5312`` → ``0,53`` (da) / ``0.53`` (en)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return self._swap(f"{value:,.{places}f}")

    def percent(self, value: float | None, places: int = 1, signed: bool = False) -> str:
        """A fraction as a percentage: ``0.07`` → ``7,0 %`` (da) / ``7.0%`` (en)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        if round(value * 100, places) == 0:
            value = 0.0  # never "-0,0 %" nor "+0,0 %"
        sign = "+" if signed and value > 0 else ""
        number = self._swap(f"{value * 100:,.{places}f}")
        return f"{sign}{number} %" if self.lang == "da" else f"{sign}{number}%"

    def months(self, value: float | None) -> str:
        if value is None:
            return "–"
        return f"{self.decimal(value, 1)} {self.t('months_unit')}"

    def mdkk(self, value_dkk: float | None) -> str:
        """An amount in DKK as millions: ``12_300_000`` → ``12,3 mio. kr.`` / ``DKK 12.3m``."""
        if value_dkk is None:
            return "–"
        number = self.decimal(value_dkk / 1e6, 1)
        return f"{number} mio. kr." if self.lang == "da" else f"DKK {number}m"

    def dkk(self, value_dkk: float | None) -> str:
        """An amount in kroner: millions from 1 million (``12,3 mio. kr.``), whole kroner below
        (``850.000 kr.`` / ``DKK 850,000``), so that a small amount never reads ``0,0 mio. kr.``."""
        if value_dkk is None:
            return "–"
        if abs(value_dkk) >= 1e6:
            return self.mdkk(value_dkk)
        number = self.integer(value_dkk)
        return f"{number} kr." if self.lang == "da" else f"DKK {number}"

    def change(self, indicator: str, delta: float) -> str:
        """A change of an indicator's figure, signed, in its unit: ``+412``, ``+1,2 pct.-point``
        (shares, ratios and growth change in percentage points), ``-0,4 mdr.``, ``+1,2 mio. kr.``."""
        unit = catalogue()[indicator].unit if indicator in catalogue() else "index"
        sign = "+" if delta > 0 else ""
        if unit == "count":
            return sign + self.integer(delta)
        if unit in ("share", "ratio", "growth"):
            return f"{sign}{self.decimal(100 * delta, 1)} {self.t('pp_unit')}"
        if unit == "months":
            return f"{sign}{self.decimal(delta, 1)} {self.t('months_unit')}"
        if unit == "dkk":
            return sign + self.mdkk(delta)
        return sign + self.decimal(delta)

    def value(self, indicator: str, value: float | None) -> str:
        """An indicator's value in the way its catalogue unit is printed."""
        unit = catalogue()[indicator].unit if indicator in catalogue() else "index"
        if unit == "count":
            return self.integer(value)
        if unit in ("share", "ratio", "growth"):
            return self.percent(value, signed=unit == "growth")
        if unit == "months":
            return self.months(value)
        if unit == "dkk":
            return self.dkk(value)
        return self.decimal(value)

    def plain(self, indicator: str, value: float | None) -> str:
        """A figure in the indicator's unit without sign or unit word (targets, expected levels,
        the bare number of a sentence): ``7,0 %``, ``5.562``, ``3,2``."""
        unit = catalogue()[indicator].unit if indicator in catalogue() else "index"
        if unit == "count":
            return self.integer(value)
        if unit in ("share", "ratio", "growth"):
            return self.percent(value)
        if unit == "months":
            return self.decimal(value, 1)
        if unit == "dkk":
            return self.mdkk(value)
        return self.decimal(value)

    def date(self, value: dt.date) -> str:
        """``2026-11-30`` → ``30. november 2026`` (da) / ``30 November 2026`` (en)."""
        month = locale(self.lang)["months"][value.month - 1]
        if self.lang == "da":
            return f"{value.day}. {month} {value.year}"
        return f"{value.day} {month} {value.year}"

    def date_short(self, value: dt.date) -> str:
        """``2026-10-11`` → ``11.10.2026`` (da) / ``11 Oct 2026`` (en)."""
        if self.lang == "da":
            return f"{value.day}.{value.month}.{value.year}"
        return f"{value.day} {locale(self.lang)['months_short'][value.month - 1]} {value.year}"

    def month_year(self, value: dt.date) -> str:
        """``2028-03-14`` → ``marts 2028`` / ``March 2028``."""
        return f"{locale(self.lang)['months'][value.month - 1]} {value.year}"

    def clock(self, value: dt.datetime) -> str:
        """``15:43`` → ``15.43`` (da) / ``15:43`` (en)."""
        return value.strftime("%H.%M" if self.lang == "da" else "%H:%M")

    @property
    def plotly_separators(self) -> str:
        """Plotly's ``layout.separators``: decimal mark then thousands separator."""
        return ",." if self.lang == "da" else ".,"
