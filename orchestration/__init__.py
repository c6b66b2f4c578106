"""Dagster glue: assets, checks, dbt assets, jobs and resources. Logic lives in the pure modules."""
