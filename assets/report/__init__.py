"""Dagster asset of the board report (``reports/impact_report``)."""
