"""Demo data for the impact model: a realistic, deterministic inbox for every dataset.

Entry point: :func:`demo.generator.write_demo_inbox` (also ``impact demo`` and
``python -m demo --out DIR [--scale N] [--seed S]``). Modules: ``programme`` (grants, accounts,
activities), ``register`` (the firm panel and the planted turnover effect), ``participation``
(participation and innovation outcomes), ``surveys`` (demand and network), ``cvr`` (valid CVR
numbers in bulk), ``writers`` (deterministic CSV/Danish CSV/XLSX/Parquet), ``vocab`` (the story).
"""
