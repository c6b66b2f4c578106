"""Publishing from Spark: the marts and reference tables dbt built on Spark (Parquet files in Spark's
warehouse folder) staged into a DuckDB file with the tables and column types a DuckDB build has,
which the ordinary publish (warehouse/db.py ``publish``) then publishes. No Spark session is needed:
DuckDB reads the files (``read_parquet``).

Where Spark keeps a table: ``<spark warehouse>/<schema>.db/<table>/``, Spark's layout for a managed
table of a database other than ``default`` (dbt-spark creates one database per schema:
dbt_project/macros/generate_schema_name.sql names them ``marts`` and ``reference``). A table's data
is every ``*.parquet`` file under its folder, Hive partition folders (``year=2024/``) included,
except what Spark itself skips: names starting with ``_`` or ``.`` (``_SUCCESS``, ``_temporary/`` of
a job that died, ``.crc`` checksums).

What a published table looks like comes from the manifest dbt built with, not from the files:
- a model with an enforced contract: the contract's columns, in its order, with its types (Spark's
  spellings translated to DuckDB's: ``string`` is VARCHAR, ``timestamp``, an instant on Spark, is
  TIMESTAMP WITH TIME ZONE, ``int`` INTEGER) and its ``not_null`` constraints, as dbt-duckdb
  creates a contracted table;
- a seed: the files' columns in their order, typed by the seed's ``column_types``;
- a column the manifest gives no type: the type DuckDB reads from the files.
The files must hold exactly the declared columns: a missing or extra column stops the publish,
naming the table and both lists. Values are cast to the declared types with the session in UTC
(Spark's INT96 timestamps, which DuckDB reads without a zone, are UTC instants).
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.errors import cause_and_fix
from warehouse import db

# Spark SQL type names that DuckDB spells (or means) otherwise; anything else DuckDB parses as is
# (bigint, double, boolean, date, decimal(p,s), varchar, timestamp with time zone, ...).
SPARK_TO_DUCKDB = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "short": "SMALLINT",
    "byte": "TINYINT",
    "tinyint": "TINYINT",
    "float": "REAL",
    "real": "REAL",
    "timestamp": "TIMESTAMP WITH TIME ZONE",  # Spark's TIMESTAMP is TIMESTAMP_LTZ: an instant
    "timestamp_ltz": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
    "binary": "BLOB",
}
_VARCHAR_N = re.compile(r"(?:var)?char\s*\(\s*\d+\s*\)")


def duckdb_type(data_type: str) -> str:
    """The DuckDB type of a dbt ``data_type`` written for either engine."""
    spelled = " ".join(data_type.strip().lower().split())
    if _VARCHAR_N.fullmatch(spelled):  # Spark's varchar(n)/char(n): DuckDB keeps no length
        return "VARCHAR"
    return SPARK_TO_DUCKDB.get(spelled, spelled.upper())


@dataclass(frozen=True)
class Column:
    name: str
    type: str | None  # DuckDB type; None: the type DuckDB reads from the files
    not_null: bool = False


@dataclass(frozen=True)
class TableSpec:
    schema: str
    name: str
    columns: tuple[Column, ...]
    ordered: bool  # True: the published columns are ``columns`` in this order (a contract);
    # False: the files' columns in the files' order, typed from ``columns`` where named (a seed)
    # Columns the files hold only to partition them on Spark (the incremental marts' ``month``, see
    # dbt_project/macros/engine/incremental.sql): not published.
    partition_only: tuple[str, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def published_tables(manifest: dict, schemas: Sequence[str] = db.PUBLISHED_SCHEMAS) -> list[TableSpec]:
    """The tables a build publishes, as the manifest declares them: every enabled model
    materialized as a table (or incremental) and every seed, of the schemas ``schemas``."""
    specs = []
    for node in manifest["nodes"].values():
        config = node.get("config", {})
        if node["schema"] not in schemas or not config.get("enabled", True):
            continue
        if node["resource_type"] == "model" and config.get("materialized") in ("table", "incremental"):
            # a model whose contract Spark does not enforce only because of a partition column it
            # adds (the incremental marts) still publishes its YAML's columns and types
            partitions = config.get("partition_by") or []
            partitions = [partitions] if isinstance(partitions, str) else list(partitions)
            typed = bool(node["columns"]) and all(c.get("data_type") for c in node["columns"].values())
            if (config.get("contract") or {}).get("enforced") or (typed and partitions):
                columns = tuple(
                    Column(
                        name=c["name"],
                        type=duckdb_type(c["data_type"]) if c.get("data_type") else None,
                        not_null=any(k.get("type") == "not_null" for k in c.get("constraints", [])),
                    )
                    for c in node["columns"].values()
                )
                partition_only = tuple(p for p in partitions if p not in node["columns"])
                specs.append(
                    TableSpec(node["schema"], node["alias"] or node["name"], columns, True, partition_only)
                )
            else:
                specs.append(TableSpec(node["schema"], node["alias"] or node["name"], (), ordered=False))
        elif node["resource_type"] == "seed":
            types = config.get("column_types") or {}
            columns = tuple(Column(name, duckdb_type(t)) for name, t in types.items())
            specs.append(TableSpec(node["schema"], node["alias"] or node["name"], columns, ordered=False))
    return sorted(specs, key=lambda s: (s.schema, s.name))


def table_folder(spark_warehouse: Path, schema: str, table: str) -> Path:
    return Path(spark_warehouse) / f"{schema}.db" / table


def data_files(folder: Path) -> list[Path]:
    """The Parquet files of a Spark table's folder, skipping what Spark skips (names starting with
    ``_`` or ``.`` at any depth: ``_SUCCESS``, ``_temporary/``, ``.crc``)."""
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        files += [
            Path(root) / n for n in sorted(names) if n.endswith(".parquet") and not n.startswith(("_", "."))
        ]
    return files


class SparkMartsError(RuntimeError):
    """Spark's tables cannot be published as they are: one line, which table, what was expected,
    what came, and what to do."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def stage(spark_warehouse: Path, tables: Sequence[TableSpec], stage_db: Path) -> dict[str, int]:
    """Write ``tables`` from Spark's warehouse folder into the new DuckDB file ``stage_db``, each as
    declared (see the module's docstring); return ``{schema.table: rows}``."""
    stage_db = Path(stage_db)
    if stage_db.exists():
        raise FileExistsError(f"{stage_db} exists: the stage is always a new file")
    rows: dict[str, int] = {}
    con = duckdb.connect(str(stage_db), config={"memory_limit": db.MEMORY_LIMIT})
    try:
        utc(con)
        for spec in tables:
            folder = table_folder(spark_warehouse, spec.schema, spec.name)
            files = data_files(folder) if folder.is_dir() else []
            if not files:
                raise SparkMartsError(
                    cause_and_fix(
                        f"Spark's table {spec.qualified} has no Parquet files in {folder}"
                        + ("" if folder.is_dir() else " (no such folder)"),
                        "build it on Spark first (ROTATION_ENGINE=spark make run); if dbt-spark places "
                        "tables elsewhere (a location_root), publish from there",
                    )
                )
            hive = any("=" in part for f in files for part in f.relative_to(folder).parts[:-1])
            source = (
                f"read_parquet({sql_list(files)}, union_by_name = true"
                + (", hive_partitioning = true" if hive else "")
                + ")"
            )
            found = con.execute(f"describe select * from {source}").fetchall()
            file_types = {name.lower(): (name, kind) for name, kind, *_ in found}
            declared = {c.name.lower(): c for c in spec.columns}
            if spec.ordered:
                names = [c.name.lower() for c in spec.columns]
                missing = [n for n in names if n not in file_types]
                extra = [n for n in file_types if n not in declared and n not in spec.partition_only]
            else:
                names = list(file_types)
                missing = [n for n in declared if n not in file_types]
                extra = []
            if missing or extra:
                raise SparkMartsError(
                    cause_and_fix(
                        f"Spark's table {spec.qualified} ({folder}) does not hold the declared columns: "
                        f"expected {names if spec.ordered else sorted(declared)}, the files hold "
                        f"{[name for name, *_ in found]} (missing {missing}, not declared {extra})",
                        "rebuild it on Spark (ROTATION_ENGINE=spark make full-refresh) after a change to "
                        "its columns, and prepare the manifest again (ROTATION_ENGINE=spark make manifest)",
                    )
                )
            definitions, selects = [], []
            for name in names:
                column = declared.get(name)
                file_name, file_type = file_types[name]
                kind = column.type if column and column.type else file_type
                out_name = column.name if column else file_name
                definitions.append(
                    f"{_quote(out_name)} {kind}" + (" not null" if column and column.not_null else "")
                )
                selects.append(f"cast({_quote(file_name)} as {kind})")
            target = f"{_quote(spec.schema)}.{_quote(spec.name)}"
            con.execute(f"create schema if not exists {_quote(spec.schema)}")
            con.execute(f"create table {target} ({', '.join(definitions)})")
            try:
                con.execute(f"insert into {target} select {', '.join(selects)} from {source}")
            except duckdb.ConstraintException as e:
                raise SparkMartsError(
                    cause_and_fix(
                        f"Spark's table {spec.qualified} ({folder}) has NULL in a column its contract "
                        f"declares not null (Spark does not enforce it): {' '.join(str(e).split())}",
                        "fix the model so it never yields NULL there (the DuckDB build refuses it at build "
                        "time), rebuild on Spark and publish again; serving.duckdb keeps its last good publish",
                    )
                ) from e
            rows[spec.qualified] = con.execute(f"select count(*) from {target}").fetchone()[0]
        con.execute("checkpoint")
    finally:
        con.close()
    return rows


def utc(con: duckdb.DuckDBPyConnection) -> None:
    """Casts between naive and zoned timestamps in UTC: DuckDB without its ICU extension (this
    project's install: nothing downloads it) always casts in UTC; with ICU loaded, the session's
    TimeZone decides, so it is set to UTC."""
    with contextlib.suppress(duckdb.Error):  # no ICU: casts are in UTC already
        con.execute("set TimeZone = 'UTC'")


def publish(
    spark_warehouse: Path,
    tables: Sequence[TableSpec],
    serving_db: Path,
    *,
    build_info: dict,
    full: bool = False,
) -> db.PublishResult:
    """Publish Spark's ``tables`` as serving.duckdb: staged into a DuckDB file next to the serving
    file (a temporary name, removed afterwards, whatever happens), which db.publish then publishes
    as it publishes a DuckDB build file (atomic rename, unchanged tables and years kept)."""
    serving_db = Path(serving_db)
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    for stale in serving_db.parent.glob(".spark_stage.*.duckdb*"):  # a publish killed before its end
        stale.unlink(missing_ok=True)
    stage_db = serving_db.with_name(f".spark_stage.{uuid.uuid4().hex}.duckdb")
    try:
        stage(spark_warehouse, tables, stage_db)
        return db.publish(stage_db, serving_db, build_info=build_info, full=full)
    finally:
        stage_db.unlink(missing_ok=True)
        Path(f"{stage_db}.wal").unlink(missing_ok=True)
