"""Danish and English texts and number formatting for the board report.

Danish is the default: ``5.562``, ``7,0 %``, ``0,53``, ``12,3 mio. kr.``. English on request:
``5,562``, ``7.0%``, ``0.53``, ``DKK 12.3m``. Every number the report prints goes through
:class:`Formatter`, so that the two languages never mix on one page.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from pipelines.core.catalogue import catalogue

LANGS = ("da", "en")

# How an indicator's value is printed: count, percent, decimal (2 places), months.
INDICATOR_KIND: dict[str, str] = {
    "smes_collective": "count",
    "smes_collective_unique": "count",
    "smes_concepts": "count",
    "sme_share": "percent",
    "private_cofinancing_share": "percent",
    "equity_ratio": "percent",
    "liquidity_months": "months",
    "deb_dependence": "percent",
    "turnover_growth_2y": "percent",
    "turnover_effect_2y": "percent",
    "demand_offering_match": "decimal",
    "network_density": "decimal",
    "network_new_ties": "count",
    "sme_knowledge_ties_share": "percent",
    "activities_defence_share": "percent",
    "activities_ai_share": "percent",
}

INDICATOR_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "smes_collective": "SMV'er i kollektive aktiviteter",
        "smes_collective_unique": "Unikke SMV'er på tværs af klynger",
        "smes_concepts": "SMV'er der udvikler koncepter",
        "sme_share": "SMV-andel af deltagende virksomheder",
        "private_cofinancing_share": "Privat medfinansieringsandel",
        "equity_ratio": "Soliditetsgrad",
        "liquidity_months": "Likviditet (måneders drift)",
        "deb_dependence": "Afhængighed af DEB-midler",
        "turnover_growth_2y": "Omsætningsvækst efter 2 år (median)",
        "turnover_effect_2y": "Omsætningseffekt efter 2 år",
        "demand_offering_match": "Match mellem efterspørgsel og tilbud",
        "network_density": "Netværkstæthed",
        "network_new_ties": "Nye relationer i netværket",
        "sme_knowledge_ties_share": "SMV'er med relation til videninstitution",
        "activities_defence_share": "Aktiviteter om forsvar og sikkerhed",
        "activities_ai_share": "Aktiviteter om kunstig intelligens",
    },
    "en": {
        "smes_collective": "SMEs in collective activities",
        "smes_collective_unique": "Unique SMEs across clusters",
        "smes_concepts": "SMEs developing concepts",
        "sme_share": "SME share of participating firms",
        "private_cofinancing_share": "Private co-financing share",
        "equity_ratio": "Equity ratio",
        "liquidity_months": "Liquidity (months of operation)",
        "deb_dependence": "Dependence on DEB funding",
        "turnover_growth_2y": "Turnover growth after 2 years (median)",
        "turnover_effect_2y": "Turnover effect after 2 years",
        "demand_offering_match": "Demand-offering match",
        "network_density": "Network density",
        "network_new_ties": "New ties in the network",
        "sme_knowledge_ties_share": "SMEs tied to a knowledge institution",
        "activities_defence_share": "Activities on defence and security",
        "activities_ai_share": "Activities on artificial intelligence",
    },
}

# Data-quality flags of marts.flags (indicator codes starting with ``dq_``), in plain language.
DQ_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "dq_revenue_mismatch": "Regnskabets samlede indtægter stemmer ikke med summen af finansieringslinjerne",
        "dq_unknown_theme": "Aktiviteter med ukendte temakoder er talt med som 'andet'",
        "dq_unverified_firms": (
            "Deltagende virksomheder uden række i virksomhedsregistret; de tælles ikke som SMV'er"
        ),
        "dq_unmatched_cohort_firms": (
            "Virksomheder i kohorten uden sammenlignelige kontrolvirksomheder indgår ikke i effekten"
        ),
        "dq_missing_grant": "Klyngen mangler en klynge- eller innovationsbevilling i bevillingsdata",
    },
    "en": {
        "dq_revenue_mismatch": "The accounts' total revenue differs from the sum of the funding lines",
        "dq_unknown_theme": "Activities with unknown theme codes are counted as 'other'",
        "dq_unverified_firms": (
            "Participating firms without a row in the firm register; they are not counted as SMEs"
        ),
        "dq_unmatched_cohort_firms": (
            "Cohort firms without comparable control firms are left out of the effect"
        ),
        "dq_missing_grant": "The cluster has no cluster or innovation grant in the grant data",
    },
}

DATASET_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "grants": "Bevillinger",
        "accounts": "Regnskaber",
        "activities": "Aktiviteter",
        "participation": "Deltagelse",
        "innovation_outcomes": "Innovationsresultater",
        "firms": "Virksomhedsregister",
        "survey_demand": "Efterspørgselsmåling",
        "survey_network": "Netværksmåling",
    },
    "en": {
        "grants": "Grants",
        "accounts": "Accounts",
        "activities": "Activities",
        "participation": "Participation",
        "innovation_outcomes": "Innovation outcomes",
        "firms": "Firm register",
        "survey_demand": "Demand survey",
        "survey_network": "Network survey",
    },
}

REASON_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "missing_required": "Manglende obligatorisk felt",
        "bad_type": "Forkert datatype",
        "invalid_cvr": "Ugyldigt CVR-nummer",
        "unknown_cluster": "Ukendt klynge",
        "unknown_grant": "Ukendt bevilling",
        "unknown_activity": "Ukendt aktivitet",
        "out_of_range": "Værdi uden for tilladt interval",
        "duplicate_key_in_file": "Dubleret nøgle i filen",
        "outcome_without_participation": "Resultat uden deltagelse",
    },
    "en": {
        "missing_required": "Missing required field",
        "bad_type": "Wrong data type",
        "invalid_cvr": "Invalid CVR number",
        "unknown_cluster": "Unknown cluster",
        "unknown_grant": "Unknown grant",
        "unknown_activity": "Unknown activity",
        "out_of_range": "Value out of range",
        "duplicate_key_in_file": "Duplicate key in file",
        "outcome_without_participation": "Outcome without participation",
    },
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "on_track": "På sporet",
        "behind": "Bagud",
        "critical": "Kritisk",
        "no_target": "Intet mål",
        "suppressed": "Diskretioneret",
        "no_data": "Ingen data",
    },
    "en": {
        "on_track": "On track",
        "behind": "Behind",
        "critical": "Critical",
        "no_target": "No target",
        "suppressed": "Suppressed",
        "no_data": "No data",
    },
}

SEVERITY_LABELS: dict[str, dict[str, str]] = {
    "da": {"ERROR": "Kritisk", "WARN": "Advarsel"},
    "en": {"ERROR": "Critical", "WARN": "Warning"},
}

FILE_STATUS_LABELS: dict[str, dict[str, str]] = {
    "da": {"ingested": "Indlæst", "duplicate": "Dublet (allerede indlæst)", "failed": "Fejlet"},
    "en": {"ingested": "Ingested", "duplicate": "Duplicate (already ingested)", "failed": "Failed"},
}

FUNDING_LABELS: dict[str, dict[str, str]] = {
    "da": {
        "membership_fees_dkk": "Medlemskontingenter",
        "sponsorships_dkk": "Sponsorater og donationer",
        "user_payments_dkk": "Brugerbetaling",
        "other_private_cash_dkk": "Anden privat kontant finansiering",
        "deb_funding_dkk": "DEB-midler",
        "other_public_funding_dkk": "Anden offentlig finansiering",
    },
    "en": {
        "membership_fees_dkk": "Membership fees",
        "sponsorships_dkk": "Sponsorships and donations",
        "user_payments_dkk": "User payments",
        "other_private_cash_dkk": "Other private cash",
        "deb_funding_dkk": "DEB funding",
        "other_public_funding_dkk": "Other public funding",
    },
}

MONTHS = {
    "da": [
        "januar", "februar", "marts", "april", "maj", "juni",
        "juli", "august", "september", "oktober", "november", "december",
    ],
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
}

# Running text of the report. Placeholders use str.format; values are formatted before.
TEXTS: dict[str, dict[str, str]] = {
    "da": {
        "title": "Klyngeprogrammet 2025-2028: effektrapport til bestyrelsen",
        "subtitle": "Danmarks Erhvervsfremmebestyrelse · opgjort pr. {as_of}",
        "toc": "Indhold",
        "generated": "Dannet {generated}",
        "national_heading": "Er vi på sporet mod 2028?",
        "national_intro": (
            "Nationale resultater for de 11 klynger sammenholdt med det forventede niveau på "
            "opgørelsesdatoen (målet fordelt forholdsmæssigt over bevillingsperioderne) og målet for 2028."
        ),
        "actual": "Faktisk",
        "expected": "Forventet pr. {as_of}",
        "expected_short": "Forventet nu",
        "target_2028": "Mål 2028",
        "progress_vs_expected": "{pct} af forventet niveau",
        "of_target": "{pct} af målet for 2028",
        "cofinancing_heading": "Privat medfinansiering mod det lovede",
        "cofinancing_intro": (
            "Privat kontant finansiering (kontingenter, sponsorater, brugerbetaling og anden privat "
            "kontant finansiering) som andel af privat og offentlig finansiering, pr. regnskabsår."
        ),
        "promised": "Lovet",
        "fiscal_year": "Regnskabsår",
        "turnover_heading": "Omsætningseffekt mod forventede 7 %",
        "turnover_intro": (
            "Matchet forskel-i-forskel-estimat for virksomheder to år efter deltagelse i "
            "innovationssamarbejder, sammenholdt med erfaringstallet på 7 %."
        ),
        "turnover_not_yet": "Endnu ikke opgjort: de første kohorter er modne fra 2027.",
        "based_on_firms": "baseret på {n} virksomheder",
        "flagged_heading": "Klynger med flag – de alvorligste først",
        "flagged_none": "Ingen klynger er flaget.",
        "no_flags": "Ingen flag.",
        "cluster": "Klynge",
        "national": "Nationalt niveau",
        "errors": "Kritiske",
        "warnings": "Advarsler",
        "worst_issue": "Alvorligste forhold",
        "clusters_heading": "Klyngerne",
        "clusters_intro": "Et afsnit pr. klynge med bevilling, ordnet efter forretningsområde.",
        "business_area": "Forretningsområde",
        "organisation": "Organisation",
        "granted": "Bevilget",
        "trajectory": "SMV-mål: faktisk, forventet og mål 2028",
        "funding_mix": "Finansieringsmiks pr. regnskabsår",
        "funding_unit": "mio. kr.",
        "sustainability": "Økonomisk bæredygtighed",
        "network": "Netværk og match mellem efterspørgsel og tilbud",
        "survey_year": "Målingsår",
        "flags": "Flag",
        "no_accounts": "Ingen regnskaber modtaget endnu.",
        "no_survey": "Ingen målinger modtaget endnu.",
        "signals_heading": "Strategiske signaler",
        "signals_intro": (
            "Andel af aktiviteterne (efter startår) med tema forsvar, sikkerhed og beredskab "
            "henholdsvis kunstig intelligens."
        ),
        "signals_national": "Nationalt, pr. år",
        "signals_by_cluster": "Pr. klynge",
        "year": "År",
        "defence": "Forsvar og sikkerhed",
        "ai": "Kunstig intelligens",
        "quality_heading": "Bilag: datakvalitet",
        "quality_intro": "Leverede filer og afviste rækker i alt, som grundlag for tallene i rapporten.",
        "files_heading": "Leverede filer",
        "file_status": "Status",
        "count": "Antal",
        "failed_files": "Fejlede filer",
        "file": "Fil",
        "dataset": "Datasæt",
        "error": "Fejl",
        "rejected_heading": "Afviste rækker efter datasæt og årsag",
        "reason": "Årsag",
        "rows": "Rækker",
        "no_rejected": "Ingen afviste rækker.",
        "no_files": "Ingen filer registreret.",
        "suppressed": "Diskretioneret (< {n} virksomheder)",
        "suppressed_note": (
            "Tal, der hviler på færre end {n} virksomheder, vises ikke (diskretionering)."
        ),
        "no_data": "Ingen data",
        "value": "Værdi",
        "status": "Status",
        "detail": "Detalje",
        "months_unit": "mdr.",
        "new_ties": "Nye relationer",
        "back_to_top": "Til toppen",
        "legend_status": "Status",
        "period_to_date": "til dato",
        "period_all": "alle kohorter",
        "flag_smes": "{label}: {value} mod forventet {expected} på nuværende tidspunkt (mål 2028: {target}).",
        "flag_cofinancing": "{label} i {period}: {value} mod lovet {target}.",
        "flag_liquidity": "Likviditeten i {period} svarer til {value} måneders drift.",
        "flag_equity": "Negativ egenkapital i {period}: soliditetsgrad {value}.",
        "flag_turnover": "{label}: {value} mod forventet {target}.",
        "flag_generic": "{label} ({period}): {value}.",
        "flag_suppressed": "{label} ({period}): tallet er diskretioneret (< {n} virksomheder).",
        "flag_other": "{label} ({period})",
        "on_track_q": "Samlet vurdering",
        "verdict_on_track": "På sporet",
        "verdict_behind": "Bagud",
        "verdict_critical": "Kritisk bagud",
        "verdict_no_data": "Ingen data endnu",
        "total": "I alt",
        "trajectory_path": "Forløb mod målet for 2028",
        "short_smes_collective": "Kollektive aktiviteter",
        "short_smes_concepts": "Koncepter",
        "expected_effect": "Forventet",
        "expected_path": "Forventet forløb",
        "cverdict_critical": "Kritisk",
        "cverdict_behind": "Kræver opmærksomhed",
        "cverdict_on_track": "På sporet",
        "cverdict_no_data": "Ingen data endnu",
    },
    "en": {
        "title": "Cluster programme 2025-2028: impact report to the board",
        "subtitle": "Danish Board of Business Promotion · as of {as_of}",
        "toc": "Contents",
        "generated": "Generated {generated}",
        "national_heading": "Are we on track for 2028?",
        "national_intro": (
            "National results of the 11 clusters held against the level expected at the reporting "
            "date (the target prorated over the grant periods) and the 2028 target."
        ),
        "actual": "Actual",
        "expected": "Expected as of {as_of}",
        "expected_short": "Expected now",
        "target_2028": "Target 2028",
        "progress_vs_expected": "{pct} of the expected level",
        "of_target": "{pct} of the 2028 target",
        "cofinancing_heading": "Private co-financing against what was promised",
        "cofinancing_intro": (
            "Private cash (membership fees, sponsorships, user payments and other private cash) as a "
            "share of private and public funding, per fiscal year."
        ),
        "promised": "Promised",
        "fiscal_year": "Fiscal year",
        "turnover_heading": "Turnover effect against the expected 7%",
        "turnover_intro": (
            "Matched difference-in-differences estimate for firms two years after taking part in "
            "innovation collaborations, against the 7% experience figure."
        ),
        "turnover_not_yet": "Not yet measured: the first cohorts mature from 2027.",
        "based_on_firms": "based on {n} firms",
        "flagged_heading": "Clusters flagged, worst first",
        "flagged_none": "No cluster is flagged.",
        "no_flags": "No flags.",
        "cluster": "Cluster",
        "national": "National level",
        "errors": "Critical",
        "warnings": "Warnings",
        "worst_issue": "Most serious issue",
        "clusters_heading": "The clusters",
        "clusters_intro": "One section per granted cluster, ordered by business area.",
        "business_area": "Business area",
        "organisation": "Organisation",
        "granted": "Granted",
        "trajectory": "SME targets: actual, expected and 2028 target",
        "funding_mix": "Funding mix per fiscal year",
        "funding_unit": "DKK m",
        "sustainability": "Economic sustainability",
        "network": "Network and demand-offering match",
        "survey_year": "Survey year",
        "flags": "Flags",
        "no_accounts": "No accounts received yet.",
        "no_survey": "No surveys received yet.",
        "signals_heading": "Strategic signals",
        "signals_intro": (
            "Share of activities (by start year) with the theme defence, security and preparedness, "
            "and artificial intelligence."
        ),
        "signals_national": "National, per year",
        "signals_by_cluster": "Per cluster",
        "year": "Year",
        "defence": "Defence and security",
        "ai": "Artificial intelligence",
        "quality_heading": "Appendix: data quality",
        "quality_intro": "Files delivered and rows rejected in total, as the basis of the figures in this report.",
        "files_heading": "Files delivered",
        "file_status": "Status",
        "count": "Count",
        "failed_files": "Failed files",
        "file": "File",
        "dataset": "Dataset",
        "error": "Error",
        "rejected_heading": "Rows rejected by dataset and reason",
        "reason": "Reason",
        "rows": "Rows",
        "no_rejected": "No rows rejected.",
        "no_files": "No files recorded.",
        "suppressed": "Suppressed (< {n} firms)",
        "suppressed_note": "Figures resting on fewer than {n} firms are not shown (disclosure control).",
        "no_data": "No data",
        "value": "Value",
        "status": "Status",
        "detail": "Detail",
        "months_unit": "months",
        "new_ties": "New ties",
        "back_to_top": "Back to top",
        "legend_status": "Status",
        "period_to_date": "to date",
        "period_all": "all cohorts",
        "flag_smes": "{label}: {value} against {expected} expected by now (2028 target: {target}).",
        "flag_cofinancing": "{label} in {period}: {value} against {target} promised.",
        "flag_liquidity": "Liquidity in {period} covers {value} months of operation.",
        "flag_equity": "Negative equity in {period}: equity ratio {value}.",
        "flag_turnover": "{label}: {value} against {target} expected.",
        "flag_generic": "{label} ({period}): {value}.",
        "flag_suppressed": "{label} ({period}): the figure is suppressed (< {n} firms).",
        "flag_other": "{label} ({period})",
        "on_track_q": "Overall",
        "verdict_on_track": "On track",
        "verdict_behind": "Behind",
        "verdict_critical": "Critically behind",
        "verdict_no_data": "No data yet",
        "total": "Total",
        "trajectory_path": "Path to the 2028 target",
        "short_smes_collective": "Collective activities",
        "short_smes_concepts": "Concepts",
        "expected_effect": "Expected",
        "expected_path": "Expected path",
        "cverdict_critical": "Critical",
        "cverdict_behind": "Needs attention",
        "cverdict_on_track": "On track",
        "cverdict_no_data": "No data yet",
    },
}


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
        text = TEXTS[self.lang][key]
        return text.format(**values) if values else text

    def indicator(self, code: str) -> str:
        """The report's label of an indicator; the catalogue's label where the report has none."""
        known = INDICATOR_LABELS[self.lang].get(code)
        if known:
            return known
        cat = catalogue()
        return cat[code].label[self.lang] if code in cat else code

    def status(self, code: str) -> str:
        return STATUS_LABELS[self.lang].get(code, code)

    def severity(self, code: str) -> str:
        return SEVERITY_LABELS[self.lang].get(code, code)

    def dq(self, code: str) -> str | None:
        """The plain-language text of a data-quality flag code (the catalogue's label where the
        report has none), if known."""
        flag = catalogue().data_quality_flags.get(code)
        return DQ_LABELS[self.lang].get(code) or (flag.label[self.lang] if flag else None)

    def dataset(self, code: str) -> str:
        return DATASET_LABELS[self.lang].get(code, code)

    def reason(self, code: str) -> str:
        return REASON_LABELS[self.lang].get(code, code)

    def file_status(self, code: str) -> str:
        return FILE_STATUS_LABELS[self.lang].get(code, code)

    def funding(self, code: str) -> str:
        return FUNDING_LABELS[self.lang].get(code, code)

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

    def value(self, indicator: str, value: float | None) -> str:
        """An indicator's value in the way its kind is printed."""
        kind = INDICATOR_KIND.get(indicator, "decimal")
        if kind == "count":
            return self.integer(value)
        if kind == "percent":
            return self.percent(value, signed=indicator.startswith("turnover_"))
        if kind == "months":
            return self.months(value)
        return self.decimal(value)

    def date(self, value: dt.date) -> str:
        """``2026-11-30`` → ``30. november 2026`` (da) / ``30 November 2026`` (en)."""
        month = MONTHS[self.lang][value.month - 1]
        if self.lang == "da":
            return f"{value.day}. {month} {value.year}"
        return f"{value.day} {month} {value.year}"

    @property
    def plotly_separators(self) -> str:
        """Plotly's ``layout.separators``: decimal mark then thousands separator."""
        return ",." if self.lang == "da" else ".,"
