"""Danish and English number formatting of the report."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.i18n import Formatter


@pytest.mark.parametrize(
    ("lang", "method", "value", "expected"),
    [
        ("da", "integer", 5562, "5.562"),
        ("da", "integer", 1234567, "1.234.567"),
        ("da", "percent", 0.07, "7,0 %"),
        ("da", "decimal", 0.5312, "0,53"),
        ("da", "decimal", 1234.5, "1.234,50"),
        ("en", "integer", 5562, "5,562"),
        ("en", "percent", 0.07, "7.0%"),
        ("en", "decimal", 0.5312, "0.53"),
        ("da", "integer", None, "–"),
    ],
)
def test_numbers(lang: str, method: str, value: float | None, expected: str) -> None:
    assert getattr(Formatter(lang), method)(value) == expected


def test_amounts_dates_and_indicator_values() -> None:
    da, en = Formatter("da"), Formatter("en")
    assert da.mdkk(29_800_000) == "29,8 mio. kr."
    assert en.mdkk(29_800_000) == "DKK 29.8m"
    assert da.date(dt.date(2026, 11, 30)) == "30. november 2026"
    assert en.date(dt.date(2026, 11, 30)) == "30 November 2026"
    assert da.value("turnover_effect_2y", 0.0712) == "+7,1 %"
    assert da.value("network_density", 0.53) == "0,53"
    assert da.value("smes_collective", 5562.0) == "5.562"
    assert da.value("liquidity_months", 2.46) == "2,5 mdr."
    assert da.plotly_separators == ",." and en.plotly_separators == ".,"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        Formatter("de")
