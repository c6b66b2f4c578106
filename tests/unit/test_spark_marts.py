"""Publishing serving.duckdb from Spark's Parquet tables (warehouse/spark_marts.py).

DuckDB writes the Parquet files here, standing in for Spark, in Spark's layout: part files, a
``_SUCCESS`` marker, ``.crc`` checksums, the ``_temporary/`` of a job that died, Hive partition
folders. The manifest declares the contracts in Spark's spellings (string, int, timestamp). The
published file must hold what a DuckDB build with the same contracts in DuckDB's spellings publishes:
the same tables, column types, NOT NULL constraints and rows.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from warehouse import db, spark_marts

UTC = dt.UTC

DAILY = [  # date, symbol, value, n, built_at (a naive UTC time in the file, as Spark's INT96 reads)
    (dt.date(2024, 1, 2), "IWM", 1.5, 3, dt.datetime(2024, 1, 2, 21, 0)),
    (dt.date(2024, 1, 3), "IWM", None, 4, dt.datetime(2024, 1, 3, 21, 0)),
    (dt.date(2023, 12, 29), "SPY", float("nan"), None, dt.datetime(2023, 12, 29, 21, 0)),
]
PERF = [  # date, pair, spread; year is the Hive partition folder
    (dt.date(2023, 5, 1), "IWM/SPY", 0.01),
    (dt.date(2024, 5, 1), "IWM/SPY", -0.02),
    (dt.date(2024, 6, 3), "QQQ/SPY", 0.03),
]
INSTRUMENTS = [("IWM", dt.date(2000, 5, 26), 1), ("SPY", dt.date(1993, 1, 29), 10)]


def contract(name: str, columns: list[tuple[str, str, bool]], materialized: str = "table", schema="marts"):
    return {
        "resource_type": "model",
        "name": name,
        "alias": name,
        "schema": schema,
        "config": {"materialized": materialized, "enabled": True, "contract": {"enforced": True}},
        "columns": {
            c: {"name": c, "data_type": t, "constraints": [{"type": "not_null"}] if nn else []}
            for c, t, nn in columns
        },
    }


def manifest(spelling: dict[str, str]) -> dict:
    """The manifest of the three published tables (and some that are not published), the types
    spelt as ``spelling`` maps the portable names (string, int, timestamp)."""
    s = spelling
    return {
        "nodes": {
            "model.rotation.rotation_daily": contract(
                "rotation_daily",
                [
                    ("date", "date", True),
                    ("symbol", s["string"], True),
                    ("value", "double", False),
                    ("n", s["int"], False),
                    ("built_at", s["timestamp"], False),
                ],
            ),
            "model.rotation.relative_performance": contract(
                "relative_performance",
                [
                    ("date", "date", True),
                    ("pair", s["string"], True),
                    ("spread", "double", False),
                    ("year", s["int"], True),
                ],
                materialized="incremental",
            ),
            "model.rotation.stg_prices": contract(
                "stg_prices", [("x", "double", False)], "view", schema="staging"
            ),
            "model.rotation.a_view_in_marts": contract("a_view_in_marts", [("x", "double", False)], "view"),
            "seed.rotation.instruments": {
                "resource_type": "seed",
                "name": "instruments",
                "alias": "instruments",
                "schema": "reference",
                "config": {
                    "enabled": True,
                    "column_types": {"symbol": s["string"], "first_date": "date", "multiplier": s["int"]},
                },
                "columns": {},
            },
        }
    }


SPARK = {"string": "string", "int": "int", "timestamp": "timestamp"}
DUCKDB = {"string": "varchar", "int": "integer", "timestamp": "timestamp with time zone"}


def write_parquet(con, rows: list[tuple], columns: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"create or replace temp table t ({columns})")
    if rows:
        con.executemany(f"insert into t values ({', '.join('?' * len(rows[0]))})", rows)
    con.execute(f"copy t to '{path}' (format parquet)")


def spark_warehouse(root: Path, daily=DAILY) -> Path:
    """Spark's warehouse folder as dbt-spark leaves it, with its litter."""
    wh = root / "spark" / "warehouse"
    con = duckdb.connect()
    daily_cols = "date date, symbol varchar, value double, n integer, built_at timestamp"
    folder = wh / "marts.db" / "rotation_daily"
    write_parquet(con, daily[:2], daily_cols, folder / "part-00000-a1b2-c000.snappy.parquet")
    write_parquet(con, daily[2:], daily_cols, folder / "part-00001-a1b2-c000.snappy.parquet")
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-00000-a1b2-c000.snappy.parquet.crc").write_bytes(b"crc")
    # a dead job's output: never part of the table (it would add a row, or fail to read)
    (folder / "_temporary" / "0").mkdir(parents=True)
    (folder / "_temporary" / "0" / "part-00009.parquet").write_bytes(b"not parquet")
    perf = wh / "marts.db" / "relative_performance"
    for year in (2023, 2024):
        rows = [r for r in PERF if r[0].year == year]
        write_parquet(
            con, rows, "date date, pair varchar, spread double", perf / f"year={year}" / "part-0.parquet"
        )
    write_parquet(
        con,
        INSTRUMENTS,
        "symbol varchar, first_date date, multiplier integer",
        wh / "reference.db" / "instruments" / "part-0.parquet",
    )
    con.close()
    return wh


def duckdb_build(path: Path) -> Path:
    """A DuckDB build file holding the same tables as dbt-duckdb creates them from the contracts in
    DuckDB's spellings (columns in contract order, NOT NULL where declared)."""
    con = duckdb.connect(str(path))
    spark_marts.utc(con)
    con.execute("create schema marts; create schema reference")
    con.execute(
        "create table marts.rotation_daily (date date not null, symbol varchar not null, value double, "
        "n integer, built_at timestamp with time zone)"
    )
    con.executemany(
        "insert into marts.rotation_daily values (?, ?, ?, ?, ?)",
        [(d, s, v, n, b.replace(tzinfo=UTC)) for d, s, v, n, b in DAILY],
    )
    con.execute(
        "create table marts.relative_performance (date date not null, pair varchar not null, "
        "spread double, year integer not null)"
    )
    con.executemany(
        "insert into marts.relative_performance values (?, ?, ?, ?)", [(*r, r[0].year) for r in PERF]
    )
    con.execute("create table reference.instruments (symbol varchar, first_date date, multiplier integer)")
    con.executemany("insert into reference.instruments values (?, ?, ?)", INSTRUMENTS)
    con.close()
    return path


def columns_of(serving: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(serving), read_only=True) as con:
        rows = con.execute(
            "select schema_name || '.' || table_name, column_name, data_type, is_nullable "
            "from duckdb_columns() where schema_name in ('marts', 'reference') "
            "order by schema_name, table_name, column_index"
        ).fetchall()
    out: dict[str, list[tuple]] = {}
    for table, *column in rows:
        out.setdefault(table, []).append(tuple(column))
    return out


def rows_of(serving: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(serving), read_only=True) as con:
        spark_marts.utc(con)
        return con.execute(f"select * from {table} order by all").fetchall()


def test_spark_spellings_become_duckdbs_types():
    assert [
        spark_marts.duckdb_type(t) for t in ("string", "INT", "timestamp", "timestamp_ntz", "varchar(20)")
    ] == [
        "VARCHAR",
        "INTEGER",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP",
        "VARCHAR",
    ]
    # DuckDB's own spellings pass through for DuckDB to parse
    assert spark_marts.duckdb_type("timestamp with time zone") == "TIMESTAMP WITH TIME ZONE"
    assert spark_marts.duckdb_type("decimal(18, 4)") == "DECIMAL(18, 4)"


def test_the_published_tables_are_the_manifests_tables_and_seeds_of_marts_and_reference():
    specs = spark_marts.published_tables(manifest(SPARK))
    assert [s.qualified for s in specs] == [
        "marts.relative_performance",
        "marts.rotation_daily",
        "reference.instruments",
    ]
    daily = next(s for s in specs if s.name == "rotation_daily")
    assert daily.ordered and [(c.name, c.type, c.not_null) for c in daily.columns] == [
        ("date", "DATE", True),
        ("symbol", "VARCHAR", True),
        ("value", "DOUBLE", False),
        ("n", "INTEGER", False),
        ("built_at", "TIMESTAMP WITH TIME ZONE", False),
    ]


def test_serving_from_spark_parquet_equals_serving_from_a_duckdb_build(tmp_path):
    wh = spark_warehouse(tmp_path)
    from_spark = tmp_path / "spark_serving.duckdb"
    result = spark_marts.publish(
        wh,
        spark_marts.published_tables(manifest(SPARK)),
        from_spark,
        build_info={"source": "sample", "engine": "spark"},
    )
    from_duckdb = tmp_path / "duckdb_serving.duckdb"
    db.publish(duckdb_build(tmp_path / "build.duckdb"), from_duckdb, build_info={"source": "sample"})

    assert result.tables == {
        "marts.relative_performance": len(PERF),
        "marts.rotation_daily": len(DAILY),
        "reference.instruments": len(INSTRUMENTS),
    }
    # same tables, columns in the same order, same types, same NOT NULLs as from DuckDB
    assert columns_of(from_spark) == columns_of(from_duckdb)
    assert columns_of(from_spark)["marts.rotation_daily"] == [
        ("date", "DATE", False),
        ("symbol", "VARCHAR", False),
        ("value", "DOUBLE", True),
        ("n", "INTEGER", True),
        ("built_at", "TIMESTAMP WITH TIME ZONE", True),
    ]
    for table in result.tables:
        assert repr(rows_of(from_spark, table)) == repr(rows_of(from_duckdb, table)), table  # NaN too
    # the naive times of Spark's files are UTC instants; the Hive folder became the year column
    assert rows_of(from_spark, "marts.rotation_daily")[0][4] == dt.datetime(2023, 12, 29, 21, 0, tzinfo=UTC)
    assert sorted(r[3] for r in rows_of(from_spark, "marts.relative_performance")) == [2023, 2024, 2024]
    # nothing of the stage is left next to the serving file
    assert sorted(p.name for p in tmp_path.glob(".spark_stage*")) == []


def test_the_parquet_export_works_unchanged_from_a_spark_publish(tmp_path):
    serving = tmp_path / "serving.duckdb"
    spark_marts.publish(
        spark_warehouse(tmp_path), spark_marts.published_tables(manifest(SPARK)), serving, build_info={}
    )
    exported = db.export_parquet(serving, tmp_path / "parquet", by_year=("relative_performance",))
    assert {name: mart.rows for name, mart in exported.items()} == {
        "relative_performance": 3,
        "rotation_daily": 3,
    }
    assert sorted(p.name for p in (tmp_path / "parquet" / "relative_performance").iterdir()) == [
        "2023.parquet",
        "2024.parquet",
    ]


def test_a_second_publish_of_the_same_spark_tables_keeps_every_table(tmp_path):
    wh = spark_warehouse(tmp_path)
    specs = spark_marts.published_tables(manifest(SPARK))
    serving = tmp_path / "serving.duckdb"
    spark_marts.publish(wh, specs, serving, build_info={})
    again = spark_marts.publish(wh, specs, serving, build_info={})
    assert again.mode == "incremental" and set(again.actions.values()) == {"kept"}


def failed_publish(tmp_path: Path, wh: Path, spec_manifest: dict) -> str:
    """Publish over a good serving file; return the error, after checking the good file is intact."""
    serving = tmp_path / "serving.duckdb"
    good = spark_warehouse(tmp_path / "good")
    spark_marts.publish(good, spark_marts.published_tables(manifest(SPARK)), serving, build_info={})
    before = serving.read_bytes()
    with pytest.raises(spark_marts.SparkMartsError) as error:
        spark_marts.publish(wh, spark_marts.published_tables(spec_manifest), serving, build_info={})
    assert serving.read_bytes() == before, "a failed publish must leave the serving file as it was"
    assert not list(tmp_path.glob(".spark_stage*")), "the stage is removed after a failure"
    return str(error.value)


def test_a_file_without_a_declared_column_stops_the_publish_and_names_both_lists(tmp_path):
    wh = spark_warehouse(tmp_path / "bad")
    con = duckdb.connect()
    folder = wh / "marts.db" / "rotation_daily"
    for old in folder.glob("part-*"):
        old.unlink()
    write_parquet(
        con,
        [(dt.date(2024, 1, 2), "IWM", 1.0)],
        "date date, symbol varchar, other double",
        folder / "part-0.parquet",
    )
    message = failed_publish(tmp_path, wh, manifest(SPARK))
    assert "marts.rotation_daily" in message and "missing ['value', 'n', 'built_at']" in message
    assert "not declared ['other']" in message and " — fix: " in message


def test_null_in_a_not_null_contract_column_stops_the_publish(tmp_path):
    daily = [(dt.date(2024, 1, 2), None, 1.0, 1, dt.datetime(2024, 1, 2)), *DAILY[1:]]  # symbol null
    message = failed_publish(tmp_path, spark_warehouse(tmp_path / "bad", daily=daily), manifest(SPARK))
    assert "marts.rotation_daily" in message and "not null" in message


def test_a_table_spark_did_not_build_stops_the_publish(tmp_path):
    wh = spark_warehouse(tmp_path / "bad")
    declared = manifest(SPARK)
    declared["nodes"]["model.rotation.positioning"] = contract("positioning", [("date", "date", True)])
    message = failed_publish(tmp_path, wh, declared)
    assert (
        "marts.positioning has no Parquet files" in message
        and str(wh / "marts.db" / "positioning") in message
    )


def test_the_repositorys_contracts_all_give_duckdb_types(tmp_path):
    """Every column of every published table of the prepared manifest has a type DuckDB parses (a
    contract type neither engine's spelling maps would stop the publish from Spark at run time)."""
    from orchestration.dbt_project import dbt_project

    specs = spark_marts.published_tables(json.loads(Path(dbt_project.manifest_path).read_text()))
    assert {s.schema for s in specs} == {"marts", "reference"}
    con = duckdb.connect()
    for spec in specs:
        assert spec.columns, f"{spec.qualified} declares no column types"
        untyped = [c.name for c in spec.columns if c.type is None]
        assert not untyped, f"{spec.qualified}: columns without a type {untyped}"
        con.execute(
            f"create or replace table t ({', '.join(f'{c.name!r} {c.type}'.replace(chr(39), chr(34)) for c in spec.columns)})"
        )


def test_both_engines_manifests_declare_the_same_published_tables_and_duckdb_types():
    """Serving from Spark is typed from Spark's manifest (make manifest prepares both): each
    published table, column, DuckDB type and NOT NULL must be what DuckDB's manifest declares, so
    serving.duckdb has one schema whichever engine built it."""
    from orchestration.dbt_project import PROJECTS

    declared = {}
    for engine, project in PROJECTS.items():
        path = Path(project.manifest_path)
        assert path.exists(), f"{path} missing: run make manifest (it prepares both engines' manifests)"
        declared[engine] = spark_marts.published_tables(json.loads(path.read_text()))

    def published(specs):  # what serving holds: the partition-only columns of Spark's files are not published
        return [(s.qualified, s.columns, s.ordered) for s in specs]

    assert published(declared["spark"]) == published(declared["duckdb"])
    assert len(declared["duckdb"]) >= 19  # 10 marts and 9 seeds
    # Spark's incremental marts are partitioned by a month column their contract does not declare
    partitioned = {s.qualified: s.partition_only for s in declared["spark"] if s.partition_only}
    assert partitioned == {
        "marts.instrument_returns": ("month",),
        "marts.rate_sensitivity": ("month",),
        "marts.relative_performance": ("month",),
    }


def test_a_partition_column_spark_adds_is_not_published(tmp_path):
    """Spark's incremental marts carry a `month` partition column their YAML does not declare (so
    their contract is not enforced on Spark): serving gets the declared columns, typed, without it."""
    node = contract("perf", [("date", "date", True), ("pair", "string", True), ("spread", "double", False)])
    node["config"].update(materialized="incremental", contract={"enforced": False}, partition_by=["month"])
    [spec] = spark_marts.published_tables({"nodes": {"model.rotation.perf": node}})
    assert spec.ordered and spec.partition_only == ("month",)
    wh = tmp_path / "spark" / "warehouse"
    with duckdb.connect() as con:
        for month, rows in (("2024-05-01", PERF[1:2]), ("2024-06-01", PERF[2:])):
            folder = wh / "marts.db" / "perf" / f"month={month}"
            write_parquet(con, rows, "date date, pair varchar, spread double", folder / "part-0.parquet")
    serving = tmp_path / "serving.duckdb"
    spark_marts.publish(wh, [spec], serving, build_info={"source": "sample", "engine": "spark"})
    assert columns_of(serving)["marts.perf"] == [
        ("date", "DATE", False),
        ("pair", "VARCHAR", False),
        ("spread", "DOUBLE", True),
    ]
    assert sorted(rows_of(serving, "marts.perf")) == sorted(PERF[1:])
