"""Words and profiles the demo draws from: Danish firm names, activity titles, theme profiles.

Kept apart from the generator so that the story of the demo (which cluster works on what, which
cluster is in trouble) can be read in one place. Unknown clusters (a board decision CSV with other
rows) fall back to neutral defaults, so the generator works on any granted list.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pipelines.core.config import CORE_THEMES_CSV
from pipelines.core.contract import THEMES

# --- the story -----------------------------------------------------------------------------------

#: Cluster whose accounts are in trouble: losses eat the equity, cash runs low, and its private
#: co-financing stays far below what it promised.
TROUBLED_CLUSTER = "lifestyle-design"
#: Cluster living on its advances in the latest fiscal year: the advance payments received and not
#: yet spent exceed its cash, so its liquidity without advances (free_liquidity_months) is negative.
LIVING_ON_ADVANCES = "lifestyle-design"
#: Cluster that recruits too few SMEs into collective activities (status ``behind`` mid-programme).
BEHIND_COLLECTIVE = "lifestyle-design"
#: Cluster whose innovation collaborations produce too few concepts (status ``behind``).
BEHIND_CONCEPTS = "copenhagen-fintech"
#: Cluster whose private co-financing lands between 75 % and 100 % of its promise (``behind``).
BEHIND_COFINANCING = "censec"

#: Cluster whose activities drift off its core themes (``reference/core_themes.csv``) as the
#: programme goes on: the weight of its core themes by start year (relative to its profile); what
#: it loses goes to :data:`DRIFT_TOWARDS` (construction chasing green-transition and energy money).
DRIFTING_CLUSTER = "we-build-denmark"
DRIFT_CORE_FACTOR: dict[int, float] = {2025: 1.0, 2026: 0.45, 2027: 0.25, 2028: 0.15}
DRIFT_TOWARDS: dict[str, float] = {"green_transition": 3.0, "energy": 2.0, "digitalisation": 2.0}
#: Cluster with many large firms among the participants of its collective activities (life
#: science: the big pharmaceutical companies), as a share of its participating SMEs; others 3 %.
LARGE_FIRM_CLUSTER = "danish-life-science"
LARGE_FIRM_SHARE = 0.15
#: Two related clusters (robots and advanced manufacturing) whose collective activities share
#: many SMEs: this share of the smaller cluster's SMEs also take part in the other's.
RELATED_CLUSTERS: tuple[str, str] = ("odense-robotics", "am-hub")
RELATED_OVERLAP = 0.35
#: Share of every cluster's SMEs that also take part in some other cluster's collective activities.
BASELINE_OVERLAP = 0.04

#: Promised private cash co-financing share per cluster (committed_private_share, 0.25..0.45).
COMMITTED_PRIVATE_SHARE: dict[str, float] = {
    "am-hub": 0.30,
    "we-build-denmark": 0.35,
    "lifestyle-design": 0.40,
    "digitallead": 0.33,
    "energy-cluster-denmark": 0.38,
    "copenhagen-fintech": 0.45,
    "censec": 0.28,
    "food-bio-cluster": 0.36,
    "danish-life-science": 0.32,
    "odense-robotics": 0.34,
    "clean": 0.31,
}

#: Short code per cluster, used in grant and activity ids.
CLUSTER_CODES: dict[str, str] = {
    "am-hub": "AMH",
    "we-build-denmark": "WBD",
    "lifestyle-design": "LDC",
    "digitallead": "DGL",
    "energy-cluster-denmark": "ECD",
    "copenhagen-fintech": "CFT",
    "censec": "CEN",
    "food-bio-cluster": "FBC",
    "danish-life-science": "DLS",
    "odense-robotics": "ODR",
    "clean": "CLN",
}

#: What each cluster's activities are about (relative weights over theme codes). Every theme gets
#: a small base weight on top; AI and defence appear across clusters, as in the real programme.
THEME_PROFILES: dict[str, dict[str, float]] = {
    "am-hub": {
        "advanced_manufacturing": 10,
        "automation_robotics": 3,
        "green_transition": 2,
        "artificial_intelligence": 1.5,
    },
    "we-build-denmark": {
        "construction": 10,
        "green_transition": 3,
        "circular_economy": 3,
        "digitalisation": 1.5,
    },
    "lifestyle-design": {"design_lifestyle": 10, "circular_economy": 3, "internationalisation": 2},
    "digitallead": {"digitalisation": 8, "artificial_intelligence": 6, "defence_security": 1.5},
    "energy-cluster-denmark": {"energy": 10, "green_transition": 5, "digitalisation": 1},
    "copenhagen-fintech": {
        "finance": 10,
        "artificial_intelligence": 3,
        "digitalisation": 3,
        "defence_security": 1,
    },
    "censec": {"defence_security": 10, "advanced_manufacturing": 2, "artificial_intelligence": 1.5},
    "food-bio-cluster": {"food_bio": 10, "green_transition": 3, "circular_economy": 2},
    "danish-life-science": {
        "health_welfare": 10,
        "artificial_intelligence": 2,
        "internationalisation": 2,
    },
    "odense-robotics": {
        "automation_robotics": 10,
        "artificial_intelligence": 3,
        "defence_security": 2,
    },
    "clean": {"water_environment": 10, "circular_economy": 4, "green_transition": 3},
}
THEME_BASE_WEIGHT = 0.25

#: Demand profiles differ from what is offered: members of most clusters ask for more AI and
#: green transition than they get; lifestyle-design's members want something else entirely.
DEMAND_TILT: dict[str, float] = {
    "artificial_intelligence": 1.6,
    "green_transition": 1.3,
    "other": 0.3,
}
DEMAND_MISMATCH: dict[str, dict[str, float]] = {
    "lifestyle-design": {
        "design_lifestyle": 0.35,
        "digitalisation": 6.0,
        "internationalisation": 3.0,
    },
}


def theme_weights(
    cluster_id: str, tilt: dict[str, float] | None = None, year: int | None = None
) -> list[float]:
    """Normalised weights over ``THEMES`` for a cluster (``other`` kept rare); with ``year``, the
    drifting cluster's weights for activities starting that year."""
    profile = THEME_PROFILES.get(cluster_id, {})
    factor = DRIFT_CORE_FACTOR.get(year, 1.0) if cluster_id == DRIFTING_CLUSTER and year else 1.0
    core = core_themes().get(cluster_id, ()) if factor != 1.0 else ()
    weights = []
    for theme in THEMES:
        w = THEME_BASE_WEIGHT + profile.get(theme, 0.0)
        if theme == "other":
            w = 0.4
        if theme in core:
            w *= factor
        elif factor != 1.0:
            w += (1.0 - factor) * DRIFT_TOWARDS.get(theme, 0.0)
        if tilt:
            w *= tilt.get(theme, 1.0)
        weights.append(w)
    total = sum(weights)
    return [w / total for w in weights]


@cache
def core_themes(path: Path = CORE_THEMES_CSV) -> dict[str, tuple[str, ...]]:
    """The core themes per cluster of the shipped reference file (the secretariat's)."""
    out: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["cluster_id"].strip(), []).append(row["theme"].strip().lower())
    return {k: tuple(v) for k, v in out.items()}


# --- knowledge institutions and other organisations in the networks ---------------------------

KNOWLEDGE_INSTITUTIONS: tuple[str, ...] = (
    "DTU",
    "AU",
    "KU",
    "SDU",
    "AAU",
    "CBS",
    "RUC",
    "ITU",
    "TI",
    "FORCE",
)
PUBLIC_BODIES: tuple[str, ...] = (
    "KL",
    "REG-H",
    "REG-MIDT",
    "REG-SYD",
    "KOM-0101",
    "KOM-0461",
    "KOM-0751",
    "KOM-0851",
)
OTHER_ORGS: tuple[str, ...] = ("DI", "DE", "LF", "DANSK-ERHVERV", "INNOVATIONSFONDEN")

# --- firms ---------------------------------------------------------------------------------------

#: Two-digit NACE (DB07) sectors with rough weights for the Danish firm population.
NACE2_WEIGHTS: dict[str, float] = {
    "01": 3,
    "10": 2,
    "16": 1,
    "22": 1,
    "25": 3,
    "26": 1.5,
    "27": 1,
    "28": 2,
    "31": 1,
    "33": 1.5,
    "35": 1,
    "41": 5,
    "43": 9,
    "45": 3,
    "46": 8,
    "47": 8,
    "49": 3,
    "52": 1.5,
    "55": 1,
    "56": 5,
    "58": 1,
    "62": 5,
    "63": 1.5,
    "64": 1,
    "66": 1.5,
    "68": 6,
    "69": 2,
    "70": 4,
    "71": 3.5,
    "72": 1,
    "73": 1.5,
    "74": 2,
    "77": 1,
    "82": 2,
    "85": 1.5,
    "86": 3,
    "88": 1.5,
    "90": 1,
    "93": 1.5,
    "96": 2,
}

#: Regions DK01..DK05 (Hovedstaden, Sjælland, Syddanmark, Midtjylland, Nordjylland).
REGION_WEIGHTS: tuple[float, ...] = (0.33, 0.13, 0.22, 0.23, 0.09)

SURNAMES: tuple[str, ...] = (
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Østergaard",
    "Bækgaard",
    "Kjær",
    "Søndergaard",
    "Dahl",
    "Holm",
    "Lund",
    "Skovgaard",
    "Ågaard",
    "Nørgaard",
    "Frølich",
    "Brøndum",
    "Højlund",
)
PLACES: tuple[str, ...] = (
    "Nordisk",
    "Dansk",
    "Fyns",
    "Jysk",
    "Sjællands",
    "Køge",
    "Århus",
    "Ålborg",
    "Næstved",
    "Ærø",
    "Løgstør",
    "Frederiksværk",
    "Hørsholm",
    "Tønder",
    "Bornholms",
    "Vestjysk",
)
TRADES: tuple[str, ...] = (
    "Maskinfabrik",
    "Rådgivning",
    "Tømrerforretning",
    "Bageri",
    "Smedje",
    "Økologi",
    "Software",
    "Robotteknik",
    "Design",
    "Fødevarer",
    "Energi",
    "Vandteknik",
    "Byg",
    "Elektronik",
    "Logistik",
    "Træindustri",
    "Gartneri",
    "Ingeniørfirma",
    "Værktøj",
    "Møbelsnedkeri",
    "Sikkerhed",
    "Data",
)
LEGAL_FORMS: tuple[str, ...] = ("ApS", "A/S", "ApS", "I/S", "& Søn ApS", "ApS", "A/S", "K/S")

# --- activity titles -------------------------------------------------------------------------------

TITLE_TEMPLATES_COLLECTIVE: tuple[str, ...] = (
    "Workshop: {}",
    "Netværksmøde om {}",
    "Masterclass i {}",
    "Temadag: {}",
    "Webinar – {}",
    "Studietur: {}",
    "Matchmaking-event om {}",
    "Erfa-gruppe: {}",
)
TITLE_TEMPLATES_INNOVATION: tuple[str, ...] = (
    "Innovationsprojekt: {}",
    "Udviklingsforløb om {}",
    "Demonstrationsprojekt – {}",
    "Innovationssamarbejde: {}",
)
TOPICS: dict[str, tuple[str, ...]] = {
    "artificial_intelligence": (
        "kunstig intelligens i produktionen",
        "AI-agenter til kundeservice",
        "sprogmodeller på dansk",
        "maskinlæring for SMV'er",
    ),
    "defence_security": (
        "forsvarsindustriens leverandørkæder",
        "cybersikkerhed for små virksomheder",
        "dual use-teknologi",
        "NATO-udbud",
    ),
    "green_transition": (
        "grøn omstilling",
        "CO₂-regnskab for SMV'er",
        "grønne forretningsmodeller",
        "klimaaftryk i værdikæden",
    ),
    "digitalisation": (
        "digitale tvillinger",
        "ERP og dataflow",
        "cloud for små virksomheder",
        "digital salg",
    ),
    "circular_economy": (
        "cirkulær økonomi",
        "genbrug af råvarer",
        "design for adskillelse",
        "affald som ressource",
    ),
    "automation_robotics": (
        "robotter på værkstedet",
        "cobots i små serier",
        "droner i inspektion",
        "automatiseret pakning",
    ),
    "internationalisation": (
        "eksport til Tyskland",
        "messer i Asien",
        "internationale partnerskaber",
        "EU-projekter",
    ),
    "health_welfare": (
        "velfærdsteknologi",
        "kliniske afprøvninger",
        "sundhedsdata",
        "ældrepleje med sensorer",
    ),
    "food_bio": (
        "fødevaresikkerhed",
        "plantebaserede proteiner",
        "bioraffinering",
        "fremtidens mejeri",
    ),
    "energy": (
        "Power-to-X",
        "varmepumper i industrien",
        "havvind og leverandører",
        "energilagring",
    ),
    "water_environment": (
        "vandrensning",
        "klimatilpasning",
        "grundvandsbeskyttelse",
        "spildevand som ressource",
    ),
    "construction": (
        "bæredygtigt byggeri",
        "træ i etagebyggeri",
        "renovering af almene boliger",
        "BIM i udførelsen",
    ),
    "design_lifestyle": (
        "møbeldesign",
        "bæredygtig mode",
        "brandværdi på eksportmarkeder",
        "tekstilgenbrug",
    ),
    "finance": ("open banking", "regtech og compliance", "betalingsløsninger", "grøn finansiering"),
    "advanced_manufacturing": (
        "3D-print i metal",
        "avancerede materialer",
        "lean i produktionen",
        "præcisionsstøbning",
    ),
    "other": (
        "ledelse og strategi",
        "kompetenceudvikling",
        "generalforsamling og netværk",
        "rekruttering",
    ),
}

#: Titles that exercise escaping and CSV quoting in the report and the readers: HTML markup, an
#: ampersand, quotes, a comma, Danish letters and a line break inside a quoted cell.
SPECIAL_TITLES: tuple[str, ...] = (
    "<b>AI & robotter</b> på fabriksgulvet",
    'Netværksmøde: "Grøn omstilling", æøå & ÆØÅ',
    "Workshop om cirkulær økonomi\nDel 2: genbrug af råvarer",
    "<script>alert('æøå')</script> Sikkerhedsdag for små virksomheder",
    "Temadag: <i>Forsvar</i> & sikkerhed – leverandører i Øresundsregionen",
)

#: Theme codes outside the contract's list (kept as ``other`` and flagged by ingestion).
UNKNOWN_THEMES: tuple[str, ...] = ("quantum_technology", "space")
