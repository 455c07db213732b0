"""The report's texts: Danish and English have the same keys, every code the report can show has a
label in both, and every placeholder a text uses in one language it uses in the other."""

from __future__ import annotations

import string

import pytest

from pipelines.core.catalogue import catalogue
from pipelines.core.contract import DATASETS, REJECTION_REASONS
from reports.i18n import LANGS, locale


def _keys(table: dict, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in table.items():
        out |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}"}
    return out


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_danish_and_english_have_the_same_keys() -> None:
    da, en = locale("da"), locale("en")
    assert _keys(da) == _keys(en)
    assert len(da["months"]) == len(en["months"]) == 12


def test_every_text_uses_the_same_placeholders_in_both_languages() -> None:
    for key in locale("da")["text"]:
        assert _placeholders(locale("da")["text"][key]) == _placeholders(locale("en")["text"][key]), key
    for indicator in catalogue():
        if indicator.sentence:
            assert _placeholders(indicator.sentence["da"]) == _placeholders(indicator.sentence["en"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_code_the_report_shows_has_a_label(lang: str) -> None:
    texts = locale(lang)
    assert set(DATASETS) <= set(texts["dataset"])
    assert set(REJECTION_REASONS) <= set(texts["reason"])
    assert set(DATASETS["accounts"].funding_lines()) == set(texts["funding"])
    assert {"on_track", "behind", "critical", "no_target", "suppressed", "no_data"} <= set(texts["status"])
    for indicator in catalogue():
        assert indicator.label[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_every_theme_grant_type_and_granted_cluster_has_a_label(lang: str) -> None:
    from pipelines.core.contract import GRANT_TYPES, THEMES

    texts = locale(lang)
    assert set(THEMES) == set(texts["theme"])
    assert set(GRANT_TYPES) == set(texts["grant_type"])
    granted = {row["cluster_id"] for row in _board_decision() if row["decision"] == "granted"}
    assert granted == set(texts["business_area"])


def _board_decision() -> list[dict[str, str]]:
    import csv

    from pipelines.core.config import BOARD_DECISION_CSV

    with BOARD_DECISION_CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_danish_business_areas_are_the_board_decisions() -> None:
    """Declared twice (the board decision and the locale file, beside the English names): kept equal."""
    areas = {row["cluster_id"]: row["business_area"] for row in _board_decision() if row["decision"] == "granted"}
    assert locale("da")["business_area"] == areas
    assert all(locale("en")["business_area"][c] != areas[c] for c in areas)  # translated, not copied
