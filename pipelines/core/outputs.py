"""The published tables analysts read (``outputs.toml`` beside this file), column by column.

Each column is declared once with its Danish and English label and a description; ``impact
export`` builds its sheets and header rows from here and the Dagster UI shows the descriptions in
the tables' column schemas. A column the export adds beside a code (the cluster's name, the
indicator's label) is declared here too, marked ``derived``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OUTPUTS_TOML = Path(__file__).with_name("outputs.toml")
LANGS: tuple[str, ...] = ("da", "en")
# Columns the export knows how to add beside a code of the table.
DERIVED: dict[str, str] = {"cluster_name": "cluster_id", "indicator_label": "indicator"}
# Excel's limit on a sheet name.
MAX_SHEET_NAME = 31


class OutputsError(ValueError):
    """``outputs.toml`` breaks its own rules."""


@dataclass(frozen=True)
class OutputColumn:
    name: str
    label: dict[str, str]
    description: str
    derived: bool = False


@dataclass(frozen=True)
class OutputTable:
    name: str  # schema.table
    sheet: str
    description: str
    columns: tuple[OutputColumn, ...]
    per_as_of: bool = False
    internal: tuple[str, ...] = ()

    def column(self, name: str) -> OutputColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """The declared columns that are columns of the table itself (not derived)."""
        return tuple(c.name for c in self.columns if not c.derived)


@dataclass(frozen=True)
class Outputs:
    tables: tuple[OutputTable, ...]
    all_clusters: dict[str, str]  # how the cluster name column names the national row

    def __getitem__(self, name: str) -> OutputTable:
        return next(t for t in self.tables if t.name == name)

    def get(self, name: str) -> OutputTable | None:
        return next((t for t in self.tables if t.name == name), None)


def _labels(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not value.get(lang) for lang in LANGS):
        raise OutputsError(f"{where}: needs a label in {' and '.join(LANGS)}")
    return {lang: str(value[lang]) for lang in LANGS}


def parse_outputs(data: dict) -> Outputs:
    tables = []
    for entry in data.get("table", []):
        name = str(entry.get("name", ""))
        where = f"{OUTPUTS_TOML.name}: table {name or '?'}"
        if name.count(".") != 1:
            raise OutputsError(f"{where}: name must be schema.table")
        sheet = str(entry.get("sheet", name))
        if not sheet or len(sheet) > MAX_SHEET_NAME or any(ch in sheet for ch in "[]:*?/\\"):
            raise OutputsError(f"{where}: sheet {sheet!r} is no Excel sheet name")
        columns = []
        for column in entry.get("column", []):
            cname = str(column.get("name", ""))
            derived = bool(column.get("derived", False))
            if derived and cname not in DERIVED:
                raise OutputsError(f"{where}: derived column {cname!r} is none of {', '.join(DERIVED)}")
            columns.append(
                OutputColumn(
                    cname,
                    _labels(column.get("label"), f"{where}, column {cname}"),
                    str(column.get("description", "")),
                    derived,
                )
            )
        names = [c.name for c in columns]
        if len(set(names)) != len(names):
            raise OutputsError(f"{where}: a column is declared twice")
        for lang in LANGS:
            labels = [c.label[lang] for c in columns]
            if len(set(labels)) != len(labels):
                raise OutputsError(f"{where}: two columns share a {lang} label")
        tables.append(
            OutputTable(
                name=name,
                sheet=sheet,
                description=str(entry.get("description", "")),
                columns=tuple(columns),
                per_as_of=bool(entry.get("per_as_of", False)),
                internal=tuple(entry.get("internal", ())),
            )
        )
    return Outputs(tuple(tables), _labels(data.get("all_clusters"), f"{OUTPUTS_TOML.name}: all_clusters"))


@cache
def outputs() -> Outputs:
    """The project's published tables (read once per process)."""
    with OUTPUTS_TOML.open("rb") as fh:
        return parse_outputs(tomllib.load(fh))


def column_description(table: str, column: str) -> str | None:
    """The declared description of ``table.column``, if the table is a published one."""
    declared = outputs().get(table)
    found = declared.column(column) if declared else None
    return found.description if found else None
