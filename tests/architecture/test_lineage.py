"""Lineage comes from the SQL: what a model reads and builds, its dependencies and its run order."""

from __future__ import annotations

from assets.models.models import all_models, builder_of
from pipelines.core.keys import INGESTION_RECORDS
from pipelines.core.lineage import table_use


def test_reads_and_builds_are_read_from_the_sql() -> None:
    use = table_use(
        """
        CREATE OR REPLACE TEMP MACRO f(x) AS x + 1;
        CREATE OR REPLACE TABLE intermediate.t AS
        WITH c AS (SELECT * FROM staging.a)
        SELECT * FROM c JOIN intermediate.u USING (k) WHERE k IN (SELECT k FROM reference.r);
        DELETE FROM marts.m WHERE as_of = $as_of;
        INSERT INTO marts.m SELECT * FROM intermediate.t;
        """
    )
    assert use.builds == {"intermediate.t", "marts.m"}
    assert use.reads - use.builds == {"staging.a", "intermediate.u", "reference.r"}


def test_every_table_a_model_reads_has_a_source() -> None:
    """Each read table is built by a model, or is staging, reference or an ingestion record."""
    for model in all_models():
        for table in model.reads:
            schema = table.split(".")[0]
            assert builder_of(table) or schema in ("staging", "reference") or table in INGESTION_RECORDS, (
                f"{model.path} reads {table}, which nothing builds"
            )


def test_models_run_after_the_models_they_read() -> None:
    seen: set[str] = set()
    for model in all_models():
        for table in model.reads:
            builder = builder_of(table)
            assert builder is None or builder.path in seen, f"{model.path} before {builder.path}"
        seen.add(model.path)


def test_each_table_is_built_by_one_model() -> None:
    built = [t for m in all_models() for t in m.use.builds]
    assert len(built) == len(set(built))
