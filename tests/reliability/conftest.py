"""Reliability tests use the ingestion fixtures (temporary inbox and warehouse)."""

from tests.ingestion.conftest import inbox, ingest, query, warehouse  # noqa: F401
