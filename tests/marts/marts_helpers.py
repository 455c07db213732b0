"""Helpers for the indicator tests: stage hand-made rows and read the results back.

Rows are inserted straight into the staging tables (typed, one per natural key, CVRs already
normalised), as ingestion would leave them. Every test works out its expected figures by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from assets.models.models import run_all
from pipelines.core.config import Thresholds
from pipelines.core.warehouse import fetch_all

D = dt.date.fromisoformat
LINEAGE = {
    "_file_sha256": "test",
    "_file_name": "test.csv",
    "_row_number": 1,
    "_loaded_at": dt.datetime(2026, 1, 1),
}


class Stage:
    """Insert staging rows with sensible defaults and read the indicator results back."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def insert(self, table: str, **row: Any) -> None:
        row = {**row, **LINEAGE}
        cols = ", ".join(row)
        marks = ", ".join(f"${k}" for k in row)
        self.con.execute(f"INSERT INTO staging.{table} ({cols}) VALUES ({marks})", row).fetchall()

    def grant(
        self,
        grant_id: str,
        cluster_id: str,
        grant_type: str,
        start: str,
        end: str,
        target: int = 0,
        awarded: float = 1_000_000.0,
        share: float | None = None,
    ) -> None:
        self.insert(
            "grants",
            grant_id=grant_id,
            cluster_id=cluster_id,
            grant_type=grant_type,
            awarded_dkk=awarded,
            period_start=D(start),
            period_end=D(end),
            target_smes=target,
            committed_private_share=share,
        )

    def activity(
        self,
        activity_id: str,
        grant_id: str,
        start: str,
        theme: str = "other",
        theme_original: str | None = None,
    ) -> None:
        self.insert(
            "activities",
            activity_id=activity_id,
            grant_id=grant_id,
            title=activity_id,
            theme=theme,
            theme_original=theme_original or theme,
            start_date=D(start),
            end_date=None,
        )

    def participation(self, activity_id: str, cvr: str, date: str) -> None:
        self.insert(
            "participation",
            activity_id=activity_id,
            cvr=cvr,
            participation_date=D(date),
            firm_name=None,
        )

    def outcome(self, activity_id: str, cvr: str, developed: bool, date: str | None) -> None:
        self.insert(
            "innovation_outcomes",
            activity_id=activity_id,
            cvr=cvr,
            concept_developed=developed,
            concept_date=D(date) if date else None,
        )

    def firm(
        self,
        cvr: str,
        year: int,
        employees: float,
        turnover: float | None = None,
        assets: float | None = None,
        nace: str = "2899",
        region: str = "DK03",
        gross_profit: float | None = None,
    ) -> None:
        self.insert(
            "firms",
            cvr=cvr,
            year=year,
            employees=employees,
            turnover_dkk=turnover,
            gross_profit_dkk=gross_profit,
            total_assets_dkk=assets,
            nace_code=nace,
            region=region,
        )

    def account(
        self,
        cluster_id: str,
        year: int,
        *,
        deb: float,
        other_public: float,
        membership: float,
        sponsorships: float,
        user_payments: float,
        other_private: float = 0.0,
        revenue: float | None = None,
        in_kind: float = 0.0,
        costs: float = 12.0,
        equity: float = 1.0,
        total_assets: float = 10.0,
        cash: float = 6.0,
        advance: float | None = None,
    ) -> None:
        lines = deb + other_public + membership + sponsorships + user_payments + other_private
        self.insert(
            "accounts",
            cluster_id=cluster_id,
            fiscal_year=year,
            revenue_total_dkk=lines if revenue is None else revenue,
            deb_funding_dkk=deb,
            other_public_funding_dkk=other_public,
            membership_fees_dkk=membership,
            sponsorships_dkk=sponsorships,
            user_payments_dkk=user_payments,
            other_private_cash_dkk=other_private,
            private_in_kind_dkk=in_kind,
            costs_total_dkk=costs,
            result_dkk=0.0,
            equity_dkk=equity,
            total_assets_dkk=total_assets,
            cash_dkk=cash,
            advance_payments_dkk=advance,
        )

    def demand(self, year: int, cluster_id: str, cvr: str, theme: str, demand: int) -> None:
        self.insert(
            "survey_demand",
            survey_year=year,
            cluster_id=cluster_id,
            respondent_cvr=cvr,
            theme=theme,
            theme_original=theme,
            demand=demand,
        )

    def tie(
        self, year: int, cluster_id: str, org: str, org_type: str, partner: str, partner_type: str
    ) -> None:
        self.insert(
            "survey_network",
            survey_year=year,
            cluster_id=cluster_id,
            org_id=org,
            org_type=org_type,
            partner_id=partner,
            partner_type=partner_type,
        )

    def run(self, as_of: str, thresholds: Thresholds | None = None) -> Results:
        run_all(self.con, D(as_of), thresholds)
        return Results(self.con, D(as_of))


class Results:
    """marts.indicators and marts.flags of one as_of, keyed for easy assertions."""

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
        cols = ("value", "target", "expected", "n_firms", "status", "ci_low", "ci_high")
        self.rows: dict[tuple[str, str, str], dict[str, Any]] = {
            (c, i, p): dict(zip(cols, rest, strict=True))
            for c, i, p, *rest in fetch_all(
                con,
                "SELECT cluster_id, indicator, period, value, target, expected, n_firms, status, "
                "ci_low, ci_high FROM marts.indicators WHERE as_of = $a",
                {"a": as_of},
            )
        }
        self.flags: list[tuple[str, str, str, str, str]] = fetch_all(
            con,
            "SELECT cluster_id, indicator, period, severity, message FROM marts.flags "
            "WHERE as_of = $a ORDER BY ALL",
            {"a": as_of},
        )

    def __getitem__(self, key: tuple[str, str, str]) -> dict[str, Any]:
        return self.rows[key]

    def value(self, cluster_id: str, indicator: str, period: str = "to_date") -> Any:
        return self.rows[(cluster_id, indicator, period)]["value"]

    def flags_for(self, cluster_id: str, indicator: str) -> list[tuple[str, str, str, str, str]]:
        return [f for f in self.flags if f[0] == cluster_id and f[1] == indicator]
