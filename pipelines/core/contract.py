"""The input contract (``../shared/contract/inputs.md``) as data: datasets, columns, rules.

Everything that ingestion, ``impact validate``, the demo generator, the GX suites, the staging
DDL and the indicators need to know about a dataset is declared here once: column kinds and
ranges, keys, references, the storage type of each staging column, and which account columns
are funding lines (private or public).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "int", "number", "date", "bool", "cvr", "code", "theme", "nace", "region"]
FundingSide = Literal["private", "public"]
ClusterScope = Literal["granted", "applicant"]

THEMES: tuple[str, ...] = (
    "artificial_intelligence",
    "defence_security",
    "green_transition",
    "digitalisation",
    "circular_economy",
    "automation_robotics",
    "internationalisation",
    "health_welfare",
    "food_bio",
    "energy",
    "water_environment",
    "construction",
    "design_lifestyle",
    "finance",
    "advanced_manufacturing",
    "other",
)
ORG_TYPES: tuple[str, ...] = ("sme", "large_firm", "knowledge_institution", "public", "other")
GRANT_TYPES: tuple[str, ...] = ("cluster", "innovation")
REGIONS: tuple[str, ...] = ("DK01", "DK02", "DK03", "DK04", "DK05")

#: Which clusters a dataset's cluster column may name, and the reference table that holds them:
#: the granted clusters of the board decision, or every applicant of it (granted or rejected).
CLUSTER_SCOPES: dict[str, str] = {
    "granted": "reference.clusters",
    "applicant": "reference.board_decision",
}
CLUSTER_SCOPE_WORDS: dict[str, str] = {"granted": "a granted cluster", "applicant": "an applicant"}

REJECTION_REASONS: tuple[str, ...] = (
    "missing_required",
    "bad_type",
    "invalid_cvr",
    "unknown_cluster",
    "unknown_grant",
    "unknown_activity",
    "out_of_range",
    "duplicate_key_in_file",
    "outcome_without_participation",
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    min_value: float | None = None
    max_value: float | None = None
    min_exclusive: bool = False
    codes: tuple[str, ...] = ()
    default: float | None = None
    # Accounts: a funding line of the cluster organisation, private cash or public funding.
    funding: FundingSide | None = None
    # The staging column's DuckDB type where it is not the kind's default (years fit INTEGER).
    storage: str | None = None
    # A date or year on which something happened or starts (a participation, a concept, an
    # activity's or a grant's start, a fiscal or survey year): `impact validate` warns when it lies more than a
    # year after today (or, for a year, before 2000), since the row is accepted but cannot count.
    event: bool = False
    # Names or identifies a firm (a CVR number is one by its kind): kept in the warehouse, never
    # shown in the Dagster event log's previews.
    identifying: bool = False

    @property
    def identifies_firm(self) -> bool:
        return self.identifying or self.kind == "cvr"

    @property
    def not_null(self) -> bool:
        """Staged NOT NULL: required, or filled with a default when empty."""
        return self.required or self.default is not None

    @property
    def sql_type(self) -> str:
        if self.storage:
            return self.storage
        return {
            "text": "VARCHAR",
            "int": "BIGINT",
            "number": "DOUBLE",
            "date": "DATE",
            "bool": "BOOLEAN",
            "cvr": "VARCHAR",
            "code": "VARCHAR",
            "theme": "VARCHAR",
            "nace": "VARCHAR",
            "region": "VARCHAR",
        }[self.kind]


@dataclass(frozen=True)
class Dataset:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str
    # Referential rules: column -> what it must refer to.
    cluster_column: str | None = None
    cluster_scope: ClusterScope = "granted"  # which clusters cluster_column may name
    grant_column: str | None = None
    activity_column: str | None = None
    activity_must_be_innovation: bool = False
    needs_participation: bool = False
    date_order: tuple[str, str] | None = None  # (start, end): end must be after start
    end_strictly_after: bool = True
    extra_columns: tuple[str, ...] = field(default_factory=tuple)
    # Optional datasets may never be delivered: every indicator is computed without them.
    optional: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def staging_columns(self) -> tuple[tuple[str, str, bool], ...]:
        """(name, DuckDB type, NOT NULL) of ``staging.<name>``'s data columns, in order.

        A theme column is followed by ``<name>_original``: the code as delivered (lower-cased,
        trimmed), since an unknown code is staged as ``other``.
        """
        out: list[tuple[str, str, bool]] = []
        for c in self.columns:
            out.append((c.name, c.sql_type, c.not_null))
            if c.kind == "theme":
                out.append((f"{c.name}_original", "VARCHAR", c.not_null))
        return tuple(out)

    def funding_lines(self, side: FundingSide | None = None) -> tuple[str, ...]:
        """The funding-line columns (of one side), in the contract's order."""
        return tuple(c.name for c in self.columns if c.funding and (side is None or c.funding == side))


LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_file_sha256", "VARCHAR"),
    ("_file_name", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
)


def staging_ddl(dataset: Dataset) -> str:
    """``CREATE TABLE IF NOT EXISTS staging.<name>`` from the contract (identifiers only).

    Natural keys are not declared as PRIMARY KEYs: ingestion upserts by key itself (latest wins)
    and the GX suites check uniqueness; DuckDB's ART indexes would slow national-size loads.
    Lineage columns point every staged row at the raw row it came from; ``_loaded_at`` is when
    its file was applied.
    """
    lines = [
        f"    {name} {sql_type}{' NOT NULL' if not_null else ''}"
        for name, sql_type, not_null in dataset.staging_columns
    ]
    lines += [f"    {name} {sql_type} NOT NULL" for name, sql_type in LINEAGE_COLUMNS]
    return f"CREATE TABLE IF NOT EXISTS staging.{dataset.name} (\n" + ",\n".join(lines) + "\n)"


def _amount(name: str, required: bool = True, **kw: object) -> Column:
    return Column(name, "number", required=required, min_value=0, **kw)  # type: ignore[arg-type]


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "grants",
            (
                Column("grant_id", "text", True),
                Column("cluster_id", "text", True),
                Column("grant_type", "code", True, codes=GRANT_TYPES),
                _amount("awarded_dkk"),
                Column("period_start", "date", True, event=True),
                Column("period_end", "date", True),
                Column("target_smes", "int", True, min_value=0),
                Column("committed_private_share", "number", False, min_value=0, max_value=1),
            ),
            key=("grant_id",),
            description="The board's commitments from the grant system: one row per grant.",
            cluster_column="cluster_id",
            date_order=("period_start", "period_end"),
        ),
        Dataset(
            "accounts",
            (
                Column("cluster_id", "text", True),
                Column(
                    "fiscal_year", "int", True, min_value=2000, max_value=2100, storage="INTEGER",
                    event=True,
                ),
                _amount("revenue_total_dkk"),
                _amount("deb_funding_dkk", funding="public"),
                _amount("other_public_funding_dkk", funding="public"),
                _amount("membership_fees_dkk", funding="private"),
                _amount("sponsorships_dkk", funding="private"),
                _amount("user_payments_dkk", funding="private"),
                _amount("other_private_cash_dkk", required=False, default=0.0, funding="private"),
                _amount("private_in_kind_dkk", required=False),
                _amount("costs_total_dkk"),
                Column("result_dkk", "number"),
                Column("equity_dkk", "number", True),
                Column("total_assets_dkk", "number", True, min_value=0, min_exclusive=True),
                _amount("cash_dkk"),
                _amount("advance_payments_dkk", required=False),
            ),
            key=("cluster_id", "fiscal_year"),
            description="The cluster organisations' annual accounts (årsregnskaber).",
            cluster_column="cluster_id",
        ),
        Dataset(
            "activities",
            (
                Column("activity_id", "text", True),
                Column("grant_id", "text", True),
                Column("title", "text", True),
                Column("theme", "theme", True),
                Column("start_date", "date", True, event=True),
                Column("end_date", "date"),
            ),
            key=("activity_id",),
            description="What the clusters run: collective activities and innovation collaborations.",
            grant_column="grant_id",
            date_order=("start_date", "end_date"),
            end_strictly_after=False,
        ),
        Dataset(
            "participation",
            (
                Column("activity_id", "text", True),
                Column("cvr", "cvr", True),
                Column("participation_date", "date", True, event=True),
                Column("firm_name", "text", identifying=True),
            ),
            key=("activity_id", "cvr"),
            description="One row per firm per activity.",
            activity_column="activity_id",
        ),
        Dataset(
            "innovation_outcomes",
            (
                Column("activity_id", "text", True),
                Column("cvr", "cvr", True),
                Column("concept_developed", "bool", True),
                Column("concept_date", "date", event=True),
            ),
            key=("activity_id", "cvr"),
            description="Results of innovation collaborations: did the firm develop a concept?",
            activity_column="activity_id",
            activity_must_be_innovation=True,
            needs_participation=True,
        ),
        Dataset(
            "firms",
            (
                Column("cvr", "cvr", True),
                Column("year", "int", True, min_value=2000, max_value=2100, storage="INTEGER"),
                Column("employees", "number", True, min_value=0),
                Column("turnover_dkk", "number", min_value=0),
                Column("gross_profit_dkk", "number"),
                Column("total_assets_dkk", "number", min_value=0),
                Column("nace_code", "nace", True),
                Column("region", "region", True, codes=REGIONS),
            ),
            key=("cvr", "year"),
            description="The firm register panel (CVR and Statistics Denmark): participants and controls.",
        ),
        Dataset(
            "survey_demand",
            (
                Column("survey_year", "int", True, storage="INTEGER", event=True),
                Column("cluster_id", "text", True),
                Column("respondent_cvr", "cvr", True),
                Column("theme", "theme", True),
                Column("demand", "int", True, min_value=1, max_value=5, storage="INTEGER"),
            ),
            key=("survey_year", "cluster_id", "respondent_cvr", "theme"),
            description="Members' demand for activities by theme (baseline 2025, then yearly).",
            cluster_column="cluster_id",
        ),
        Dataset(
            "survey_network",
            (
                Column("survey_year", "int", True, storage="INTEGER", event=True),
                Column("cluster_id", "text", True),
                Column("org_id", "text", True, identifying=True),  # a CVR for firms
                Column("org_type", "code", True, codes=ORG_TYPES),
                Column("partner_id", "text", True, identifying=True),
                Column("partner_type", "code", True, codes=ORG_TYPES),
            ),
            key=("survey_year", "cluster_id", "org_id", "partner_id"),
            description="Collaboration relations in the cluster ecosystems (baseline 2025, then yearly).",
            cluster_column="cluster_id",
        ),
        Dataset(
            "applications",
            (
                Column("cluster_id", "text", True),
                Column("grant_type", "code", True, codes=GRANT_TYPES),
                _amount("applied_dkk"),
                Column("weighted_score", "number", True, min_value=0, max_value=10),
            ),
            key=("cluster_id", "grant_type"),
            description=(
                "The scored applications behind the board decision (grant system): one row per "
                "application, two per applicant. Optional: only the re-allocation what-if "
                "(impact reallocate) reads it."
            ),
            cluster_column="cluster_id",
            cluster_scope="applicant",
            optional=True,
        ),
    )
}

# Columns that name or identify a firm, in the contract's datasets and in the models built from
# them (the network's nodes are the survey's org_id/partner_id): left out of event-log previews.
IDENTIFYING_COLUMNS: frozenset[str] = frozenset(
    {c.name for d in DATASETS.values() for c in d.columns if c.identifies_firm}
    | {"node_a", "node_b", "node_id"}
)

# The order in which datasets are applied, so that references resolve within one run.
INGESTION_ORDER: tuple[str, ...] = (
    "grants",
    "accounts",
    "activities",
    "participation",
    "innovation_outcomes",
    "firms",
    "survey_demand",
    "survey_network",
    "applications",
)

# Asset dependencies between staging tables (referential integrity).
UPSTREAM: dict[str, tuple[str, ...]] = {
    "activities": ("grants",),
    "participation": ("activities",),
    "innovation_outcomes": ("activities", "participation"),
}


def funding_macro_ddl() -> tuple[str, ...]:
    """DuckDB macros summing an accounts row's funding lines, from the contract's ``funding`` flags.

    ``private_cash(a)``, ``public_funding(a)`` and ``funding_lines(a)`` take the row itself
    (``FROM staging.accounts AS a``) and add its columns in the contract's order, so every model,
    flag and check sums the same lines the same way.
    """
    accounts = DATASETS["accounts"]

    def total(columns: tuple[str, ...]) -> str:
        return " + ".join(f"a.{c}" for c in columns)

    return tuple(
        f"CREATE OR REPLACE MACRO {name}(a) AS ({total(columns)})"
        for name, columns in (
            ("private_cash", accounts.funding_lines("private")),
            ("public_funding", accounts.funding_lines("public")),
            ("funding_lines", accounts.funding_lines()),
        )
    )
