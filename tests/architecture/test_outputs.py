"""The published tables' columns are declared once (pipelines/core/outputs.toml): every column of
those tables is declared (or marked internal), and the export and the Dagster UI read the labels
and descriptions from there."""

from __future__ import annotations

import pytest

from pipelines.core.metadata import table_schema_of
from pipelines.core.outputs import DERIVED, OutputsError, outputs, parse_outputs
from pipelines.core.warehouse import connect_writer, table_columns


def test_every_column_of_the_published_tables_is_declared(tmp_path) -> None:
    with connect_writer(tmp_path / "w.duckdb") as con:
        for table in outputs().tables:
            present = set(table_columns(con, table.name))
            assert present, table.name
            undeclared = present - set(table.stored_columns) - set(table.internal)
            assert not undeclared, f"{table.name}: declare {sorted(undeclared)} in outputs.toml"
    assert [t.name for t in outputs().tables] == [
        "marts.indicators", "marts.flags", "quality.rejected_rows", "meta.ingested_files"
    ]  # fmt: skip


def test_a_derived_column_sits_beside_its_code() -> None:
    for table in outputs().tables:
        names = [c.name for c in table.columns]
        for column in table.columns:
            if column.derived:
                assert names[names.index(column.name) - 1] == DERIVED[column.name], table.name


def test_the_dagster_column_schema_describes_the_published_columns(tmp_path) -> None:
    with connect_writer(tmp_path / "w.duckdb") as con:
        schema = table_schema_of(con, "marts.indicators")
    described = {c.name: c.description for c in schema.columns}
    assert described["n_firms"] == outputs()["marts.indicators"].column("n_firms").description
    assert described["cluster_id"] == "a cluster id, or ALL for the national figure"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"name": "indicators"}, "schema.table"),
        ({"name": "a.b", "sheet": "x" * 32}, "sheet"),
        ({"name": "a.b", "column": [{"name": "c", "label": {"da": "C"}}]}, "label in da and en"),
        ({"name": "a.b", "column": [{"name": "c", "derived": True, "label": {"da": "C", "en": "C"}}]},
         "derived column"),
        ({"name": "a.b", "column": [{"name": "c", "label": {"da": "X", "en": "C"}},
                                    {"name": "d", "label": {"da": "X", "en": "D"}}]}, "share a da label"),
    ],
)  # fmt: skip
def test_a_broken_declaration_is_refused(table: dict, message: str) -> None:
    with pytest.raises(OutputsError, match=message):
        parse_outputs({"all_clusters": {"da": "Alle", "en": "All"}, "table": [table]})
