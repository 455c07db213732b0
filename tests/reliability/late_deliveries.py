"""A small inbox whose files refer to each other, delivered in one run or spread over several,
and a comparison of two warehouses table by table (input contract rule 9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from assets.ingestion.loader import ingest_dataset
from assets.models.models import run_all
from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.warehouse import connect_writer
from tests.ingestion.samples import CVR_A, CVR_B, CVR_C, CVR_D, Inbox

AS_OF = dt.date(2026, 6, 30)
CVR_E = "20000015"  # 2*2 + 1*2 + 5*1 = 11

# Danish Excel CSV (";", decimal comma, DD-MM-YYYY): reconsidering must read it as it was read.
GRANTS_CLUSTER = (
    "grant_id;cluster_id;grant_type;awarded_dkk;period_start;period_end;target_smes;committed_private_share\n"
    "GC1;odense-robotics;cluster;40.000.000,00;01-01-2025;31-12-2028;398;0,3\n"
    "GC2;clean;cluster;12.500.000,50;01-01-2025;31-12-2028;120;0,25\n"
)
GRANTS_INNOVATION = [  # an XLSX sheet
    ["grant_id", "cluster_id", "grant_type", "awarded_dkk", "period_start", "period_end",
     "target_smes", "committed_private_share"],
    ["GI1", "odense-robotics", "innovation", 11400000, "2025-01-01", "2028-12-31", 49, 0.3],
    ["GI2", "clean", "innovation", 8000000.5, "2025-01-01", "2028-12-31", 20, None],
]
ACTIVITIES = (
    "activity_id,grant_id,title,theme,start_date,end_date\n"
    "AC1,GC1,Netværksmøde,automation_robotics,2025-02-01,2025-02-01\n"
    "AC2,GC2,Vandseminar,water_environment,2025-03-01,2025-03-02\n"
    "AI1,GI1,Robotprojekt,artificial_intelligence,2025-03-01,2025-12-31\n"
    "AI2,GI2,Vandprojekt,water_environment,2025-04-01,2026-03-31\n"
    # Within-file duplicate keys whose rows refer to grants delivered in different files:
    "AD,GI2,Først,energy,2025-05-01,2025-06-01\n"  # loses to row 7 in one run
    "AD,GC1,Derefter,energy,2025-05-01,2025-06-01\n"
    "AE,GC1,Først,digitalisation,2025-05-01,2025-06-01\n"  # loses to row 9 in one run
    "AE,GI2,Derefter,digitalisation,2025-05-01,2025-06-01\n"
    "AZ,GZZ,Aldrig,other,2025-05-01,2025-06-01\n"  # a grant that never arrives
)
PARTICIPATION_2025 = (
    "activity_id,cvr,participation_date,firm_name\n"
    f"AC1,{CVR_A},2025-02-01,Alfa ApS\n"
    f"AC1,{CVR_B},2025-02-01,Beta A/S\n"
    f"AI1,{CVR_A},2025-03-02,Alfa ApS\n"
    f"AI1,{CVR_C},2025-03-05,Gamma IVS\n"
    f"AI2,{CVR_D},2025-04-10,Delta ApS\n"
    f"AE,{CVR_E},2025-05-01,Epsilon ApS\n"
    f"AC2,{CVR_E},2025-03-01,Epsilon ApS\n"
)
PARTICIPATION_2026 = (
    "activity_id,cvr,participation_date,firm_name\n"
    f"AI1,{CVR_B},2026-01-15,Beta A/S\n"
    f"AI1,{CVR_A},2025-03-03,Alfa ApS (rettet)\n"  # a later file: wins over p_2025's row
    f"AI2,{CVR_E},2026-02-01,Epsilon ApS\n"
)
OUTCOMES = (
    "activity_id,cvr,concept_developed,concept_date\n"
    f"AI1,{CVR_A},true,2025-06-01\n"
    f"AI1,{CVR_C},ja,2025-07-01\n"
    f"AI2,{CVR_D},false,\n"
    f"AI1,{CVR_B},true,2026-03-01\n"
    f"AI2,{CVR_E},1,2026-04-01\n"
    f"AC1,{CVR_A},true,2025-06-01\n"  # an activity of a cluster grant: rejected for good
    f"AI1,{CVR_D},true,2025-06-01\n"  # no participation ever: rejected for good
)
FIRMS = "cvr,year,employees,turnover_dkk,gross_profit_dkk,total_assets_dkk,nace_code,region\n" + "".join(
    f"{cvr},{year},{emp},{turnover},{turnover // 4},{turnover // 2},6201,DK0{i % 5 + 1}\n"
    for i, (cvr, emp, turnover) in enumerate(
        [(CVR_A, 12, 9_000_000), (CVR_B, 40, 30_000_000), (CVR_C, 3, 1_500_000),
         (CVR_D, 120, 80_000_000), (CVR_E, 7, 4_000_000)]
    )
    for year in (2024, 2025)
)
ACCOUNTS = (
    "cluster_id;fiscal_year;revenue_total_dkk;deb_funding_dkk;other_public_funding_dkk;"
    "membership_fees_dkk;sponsorships_dkk;user_payments_dkk;costs_total_dkk;equity_dkk;"
    "total_assets_dkk;cash_dkk\n"
    "odense-robotics;2025;20.000.000;10.000.000;2.000.000;3.000.000;1.000.000;4.000.000;"
    "19.000.000;5.000.000;12.000.000;3.000.000\n"
)

FILES: dict[str, str | list[list[object]]] = {
    "grants/g_cluster.csv": GRANTS_CLUSTER,
    "grants/g_innovation.xlsx": GRANTS_INNOVATION,
    "activities/a.csv": ACTIVITIES,
    "participation/p_2025.csv": PARTICIPATION_2025,
    "participation/p_2026.csv": PARTICIPATION_2026,
    "innovation_outcomes/o.csv": OUTCOMES,
    "firms/f.csv": FIRMS,
    "accounts/acc.csv": ACCOUNTS,
}

# Columns that say when or in which run something happened, and bookkeeping of the runs.
VOLATILE = {
    "ingested_at", "_loaded_at", "run_id", "file_mtime_ns", "file_ctime_ns", "delivery_seq",
    "resolved_at", "resolved_run_id", "delivered_reason", "built_at", "seen_at",
}
# Records of how the warehouse came about, which differ by design between one run and several:
# the build fingerprints, and the history of each run's cluster verdicts and flags.
NOT_COMPARED = {"meta.build_state", "marts.run_history"}


_XLSX: dict[str, bytes] = {}


def _xlsx_bytes(name: str, rows: list[list[object]]) -> bytes:
    """The workbook's bytes, made once: openpyxl stamps the time into every file it writes, and
    the same delivery must be the same bytes (SHA-256) in every warehouse compared."""
    key = f"{name}:{rows!r}"
    if key not in _XLSX:
        import io

        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        _XLSX[key] = out.getvalue()
    return _XLSX[key]


def deliver(inbox: Inbox, names: Iterable[str], files: dict | None = None) -> None:
    files = files or FILES
    for name in names:
        content = files[name]
        inbox.write(name, _xlsx_bytes(name, content) if isinstance(content, list) else content)


def nightly(inbox: Inbox, warehouse: Path, run_id: str) -> None:
    """What a nightly run does to the warehouse: every dataset in order, then every model."""
    with connect_writer(warehouse) as con:
        for dataset in INGESTION_ORDER:
            ingest_dataset(con, inbox.root, dataset, run_id)
        run_all(con, AS_OF)


def build(root: Path, nights: Sequence[Sequence[str] | dict]) -> Path:
    """A warehouse after one nightly run per entry of ``nights``: the names of ``FILES`` delivered
    that night, or name -> content (text, or the rows of an XLSX sheet)."""
    inbox, warehouse = Inbox(root / "inbox"), root / "warehouse.duckdb"
    for night, delivery in enumerate(nights, start=1):
        if isinstance(delivery, dict):
            deliver(inbox, list(delivery), delivery)
        else:
            deliver(inbox, delivery)
        nightly(inbox, warehouse, f"night-{night}")
    return warehouse


def _tables(con: duckdb.DuckDBPyConnection, db: str) -> list[str]:
    return [
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1, 2",
            [db],
        ).fetchall()
    ]


def differences(
    one_run: Path, spread: Path, leave_out: Iterable[str] = ()
) -> dict[str, tuple[list[tuple], list[tuple]]]:
    """Table -> (rows only in ``one_run``, rows only in ``spread``), by EXCEPT ALL both ways.

    Every table of both warehouses, all columns but when/which-run columns (``VOLATILE``). Of
    ``quality.rejected_rows`` the rejections still in force are compared (resolved ones exist only
    where a reference came late: they are asserted on by the tests).
    """
    con = duckdb.connect()
    con.execute(f"ATTACH '{one_run}' AS a (READ_ONLY)").fetchall()
    con.execute(f"ATTACH '{spread}' AS b (READ_ONLY)").fetchall()
    try:
        tables_a, tables_b = _tables(con, "a"), _tables(con, "b")
        assert tables_a == tables_b
        out = {}
        for table in tables_a:
            if table in NOT_COMPARED or table in leave_out:
                continue
            schema, name = table.split(".")
            columns = [
                (column, data_type)
                for column, data_type in con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'a' "
                    "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                    [schema, name],
                ).fetchall()
                if column not in VOLATILE
            ]
            # Doubles to 12 significant digits: DuckDB sums floats in parallel, so two runs on the
            # same rows may differ in the last bit of a sum (0.8048022598870057 / ...056).
            cols = ", ".join(
                f"printf('%.12g', \"{c}\")" if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in columns
            )
            where = " WHERE resolved_at IS NULL" if table == "quality.rejected_rows" else ""
            q = "SELECT {cols} FROM {db}.{table}{where}"
            only_a = con.execute(
                q.format(cols=cols, db="a", table=table, where=where) + " EXCEPT ALL "
                + q.format(cols=cols, db="b", table=table, where=where)
            ).fetchall()
            only_b = con.execute(
                q.format(cols=cols, db="b", table=table, where=where) + " EXCEPT ALL "
                + q.format(cols=cols, db="a", table=table, where=where)
            ).fetchall()
            if only_a or only_b:
                out[table] = (only_a, only_b)
        return out
    finally:
        con.close()
