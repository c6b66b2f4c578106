"""Row counts and date windows on the materializations of dbt's tables.

dagster-dbt's events carry dbt's timing and the model's columns but no row count (its
``fetch_row_counts`` counts only, and on DuckDB waits for dbt to end anyway: the build file admits one
writer process and no reader beside it). After dbt ends, every table and incremental model it built is
read once here (rows, first and last date of its date column, warehouse/tables.py) and the numbers are
attached to its materialization: the catalog's "Rows" and the asset page show them. Views are not
read (a view's query may recompute a large join); tests and seeds' events pass unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetMaterialization, Output

from ingestion.settings import Settings
from warehouse import db, spark_marts
from warehouse.tables import TableStats, table_stats

log = logging.getLogger(__name__)

TABLES = ("table", "incremental")  # the materializations whose rows are read

# (schema, table name) -> its stats, or None when it cannot be read
StatsReader = Callable[[list[tuple[str, str]]], Mapping[tuple[str, str], TableStats]]


def _node(manifest: Mapping[str, Any], event: Any) -> Mapping[str, Any] | None:
    unique_id = event.metadata.get("unique_id")
    unique_id = getattr(unique_id, "text", unique_id)
    return manifest["nodes"].get(unique_id) if unique_id else None


def with_table_metadata(
    events: Iterable[Any], manifest: Mapping[str, Any], read: StatsReader
) -> Iterator[Any]:
    """``events`` (a dbt invocation's stream) with each built table's rows and date window added to its
    materialization. The events are held until the stream ends (dbt has exited and released the
    build file), then read in one pass by ``read``. When dbt fails (a test or a model), the events it
    gave are still yielded, with their metadata, before its error is raised again: failing checks
    stay visible."""
    held: list[Any] = []
    failure: BaseException | None = None
    try:
        for event in events:
            held.append(event)
    except Exception as error:  # dagster-dbt raises at the end of a failed dbt command
        failure = error
    tables = []
    for event in held:
        if isinstance(event, (Output, AssetMaterialization)):
            node = _node(manifest, event)
            if node and node["resource_type"] == "model" and node["config"].get("materialized") in TABLES:
                tables.append((node["schema"], node["alias"] or node["name"]))
    try:
        stats = read(tables) if tables else {}
    except Exception:  # the numbers are a convenience: never let them fail or hide a build
        log.warning("could not read the row counts of dbt's tables", exc_info=True)
        stats = {}
    for event in held:
        node = _node(manifest, event) if isinstance(event, (Output, AssetMaterialization)) else None
        found = stats.get((node["schema"], node["alias"] or node["name"])) if node else None
        yield event.with_metadata({**event.metadata, **found.metadata()}) if found else event
    if failure is not None:
        raise failure


def read_from_build_file(build_db: Path) -> StatsReader:
    """A StatsReader over the DuckDB build file (opened read-only once, after dbt has exited)."""

    def read(tables: list[tuple[str, str]]) -> dict[tuple[str, str], TableStats]:
        out = {}
        with db.connect(build_db, read_only=True) as con:
            for schema, name in tables:
                columns = [
                    row[0]
                    for row in con.execute(
                        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
                        "order by column_index",
                        [schema, name],
                    ).fetchall()
                ]
                if columns:  # a table dbt built and a later statement dropped is not read
                    out[(schema, name)] = table_stats(con, f'"{schema}"."{name}"', columns)
        return out

    return read


def read_from_spark_files(spark_warehouse: Path) -> StatsReader:
    """A StatsReader over the Parquet files of Spark's tables (warehouse/spark_marts.py's layout), read
    by DuckDB: no Spark session in Dagster's process."""

    def read(tables: list[tuple[str, str]]) -> dict[tuple[str, str], TableStats]:
        out = {}
        with duckdb.connect() as con:
            for schema, name in tables:
                files = spark_marts.data_files(spark_marts.table_folder(spark_warehouse, schema, name))
                if not files:
                    continue
                relation = f"read_parquet({spark_marts.sql_list(files)}, union_by_name = true, hive_partitioning = true)"
                columns = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]
                out[(schema, name)] = table_stats(con, relation, columns)
        return out

    return read


def stats_reader(settings: Settings) -> StatsReader:
    """Where the tables dbt built live: the build file (DuckDB) or Spark's folder."""
    if settings.engine == "spark":
        return read_from_spark_files(settings.spark_warehouse_dir)
    return read_from_build_file(settings.build_db)
