"""Pure ingestion: fetch upstream data into landing files and parse landing files into frames.

Nothing here knows about Dagster, DuckDB or dbt; every function takes paths and returns plain data.
"""
