"""The raw tables as a lake: Parquet files partitioned by month, what Spark builds the marts from.

DuckDB's build file stays the place raw loads land (``warehouse.raw``: one transaction per load, its
bookkeeping beside it). :func:`export_raw` copies each raw table from there to
``<lake>/raw/<table>/month=YYYY-MM/*.parquet`` (hive-style partitions by the month of the table's
key date), the form a cluster would read from object storage. dbt's ``spark`` target registers
``raw.<table>`` over these folders before any model runs
(dbt_project/macros/engine/lake.sql, ``register_raw_lake``).

A table is written to a temporary folder beside its final one and swapped in by two renames, so a
crash leaves either the previous export or the new one, never half a table. Timestamps are written
as INT64 microseconds (UTC instants, as the build file holds them).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb

from warehouse.raw import RAW_TABLES

# The bookkeeping the models read besides the raw tables: raw.loads (macros/engine/incremental.sql: which
# dates an incremental model rebuilds), partitioned by the month of loaded_at.
BOOKKEEPING = {"loads": "loaded_at"}


def lake_tables() -> dict[str, str]:
    """Every table the lake holds: raw table name -> the date column its month partitions follow."""
    return {**{table.name: table.date for table in RAW_TABLES}, **BOOKKEEPING}


def table_dir(lake_dir: Path, table: str) -> Path:
    return Path(lake_dir) / "raw" / table


def export_raw(
    con: duckdb.DuckDBPyConnection, lake_dir: Path, tables: Iterable[str] | None = None
) -> dict[str, int]:
    """Write ``tables`` (default: every lake table) of the build file ``con`` reads to ``lake_dir``;
    returns the rows written per table. A table that does not exist in the build file is an error
    (naming it); an empty table is written as one Parquet file without partitions, so Spark still
    reads its columns."""
    known = lake_tables()
    names = list(known) if tables is None else list(tables)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"not lake tables: {unknown}; expected some of {sorted(known)}")
    counts = {}
    for name in names:
        counts[name] = _export_table(con, Path(lake_dir), name, known[name])
    return counts


def _export_table(con: duckdb.DuckDBPyConnection, lake_dir: Path, name: str, date_column: str) -> int:
    final = table_dir(lake_dir, name)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.parent / f".{name}.{uuid.uuid4().hex}.tmp"
    (count,) = con.execute(f"select count(*) from raw.{name}").fetchone()
    target = str(staging).replace("'", "''")
    try:
        if count == 0:
            staging.mkdir()
            con.execute(f"copy (select * from raw.{name}) to '{target}/empty.parquet' (format parquet)")
        else:
            con.execute(
                f"""
                copy (
                    select *, strftime({date_column}, '%Y-%m') as month from raw.{name}
                ) to '{target}' (format parquet, partition_by (month), overwrite)
                """
            )
        _swap(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return count


def _swap(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging``: the old folder is renamed aside first, then removed."""
    retired = final.parent / f".{final.name}.{uuid.uuid4().hex}.old"
    if final.exists():
        final.rename(retired)
    staging.rename(final)
    if retired.exists():
        shutil.rmtree(retired)
