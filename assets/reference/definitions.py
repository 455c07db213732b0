"""The reference data shipped with the project, as external assets: loaded into the warehouse's
``reference`` schema by every writer (:func:`pipelines.core.warehouse.ensure_schema`), never
materialised by a run, and shown in the asset graph so that the models' lineage starts somewhere."""

import dagster as dg

from pipelines.core.catalogue import CATALOGUE_TOML
from pipelines.core.config import BOARD_DECISION_CSV, CORE_THEMES_CSV, PROJECT_ROOT
from pipelines.core.keys import reference_key
from pipelines.core.metadata import OWNERS


def _path(path) -> dg.MetadataValue:
    return dg.MetadataValue.path(str(path.relative_to(PROJECT_ROOT)))


reference_assets = [
    dg.AssetSpec(
        reference_key("board_decision"),
        group_name="reference",
        kinds={"csv", "duckdb"},
        owners=OWNERS,
        description="The board decision of 2025: the 14 applicants with applied and recommended "
        "amounts (DKK m) and the decision; 11 granted, DKK 662.0m.",
        metadata={"source": _path(BOARD_DECISION_CSV)},
    ),
    dg.AssetSpec(
        reference_key("clusters"),
        group_name="reference",
        kinds={"duckdb"},
        owners=OWNERS,
        deps=[reference_key("board_decision")],
        description="The 11 granted clusters of the board decision (a view).",
    ),
    dg.AssetSpec(
        reference_key("core_themes"),
        group_name="reference",
        kinds={"csv", "duckdb"},
        owners=OWNERS,
        description="The core themes of each granted cluster's core task (one or two per cluster), "
        "which core_theme_share holds its activities against. The secretariat may edit the file; "
        "the next run reloads it and rebuilds what reads it.",
        metadata={"source": _path(CORE_THEMES_CSV)},
    ),
    dg.AssetSpec(
        reference_key("indicator_catalogue"),
        group_name="reference",
        kinds={"duckdb"},
        owners=OWNERS,
        description="The indicator catalogue: code, family, unit, grain, period, status rule and "
        "labels of every indicator; the status rules of marts.indicators read it.",
        metadata={"source": _path(CATALOGUE_TOML)},
    ),
]

defs = dg.Definitions(assets=reference_assets)
