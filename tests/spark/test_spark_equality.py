"""The marts on Spark equal the marts on DuckDB (issue 19), built from the same raw rows.

A slice of the generated sample (every instrument of the 37-name universe, from SLICE_START to the
sample's end, 2024-12-31: every mart has rows, positioning's 156-report windows fill, episodes flag) is built
on DuckDB by the Dagster graph; its raw tables are exported to a Parquet lake
(warehouse/lake.py) and ONE `dbt build --target spark` (seeds, models, the engine tests of
dbt_project/tests/engine/, every kind of data test (spark_data_tests) and the unit tests that do not
need a built table: one Spark start-up for all) builds the same marts on a local Spark session. Spark's tables are Parquet files; DuckDB reads them and compares
every mart and every seed row for row, column for column:

- rows are matched on the mart's key (its unique_combination_of_columns test) and must be the same
  set on both engines;
- numbers: equal within a relative 1e-9 (absolute 1e-12 near zero); text, dates, booleans exactly;
  instants as UTC instants;
- NULL equals only NULL, and NaN is a failure on either engine: a mart stores NULL for "undefined"
  (nan_to_null, safe_divide in dbt_project/macros/engine/).

A negative control perturbs one value of one mart and drops one row of another on the DuckDB side
only and shows the comparison names both.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from ingestion.settings import DBT_PROJECT_DIR
from tests.integration.conftest import make_settings, run_graph
from warehouse.lake import export_raw

pytestmark = [
    pytest.mark.slow,
    pytest.mark.spark,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17): no `java` on PATH"),
]

SLICE_START = "2021-01-01"
REL_TOL = 1e-9
ABS_TOL = 1e-12
# Unit tests left out on Spark: those of the incremental models (relative_performance,
# instrument_returns, int_prices__returns) read the model's own table (`this`),
# which a fresh Spark warehouse does not have yet; rate_sensitivity's take ~20 s each on Spark (the
# analysis of its large query) and run on DuckDB in both window forms
# (tests/integration/test_series_windows_portable.py: the portable form is what Spark runs).
SPARK_EXCLUDES = [
    "--exclude",
    "resource_type:unit_test,rate_sensitivity",
    "resource_type:unit_test,relative_performance",
    "resource_type:unit_test,instrument_returns",
    "resource_type:unit_test,int_prices__returns",
]
# Arguments of a generic data test that are SQL of their own (each instance is different SQL to run
# on Spark), not column names or values.
SQL_ARGUMENTS = {"expression"}


def spark_data_tests(manifest: dict) -> tuple[list[str], list[str]]:
    """The data tests the Spark build runs and those it leaves to DuckDB, by name.

    Each data test is a query, and each takes Spark about 2 s (scheduling, not data): all 87 were
    about 170 s of the build. What Spark must show is that every kind of test compiles and runs
    there; whether the data pass is DuckDB's verdict (the graph runs every test there), since the
    marts compared equal. So Spark runs: every singular test (the engine tests of
    dbt_project/tests/engine/ among them), every instance of a generic test whose arguments are SQL
    (SQL_ARGUMENTS: each is different SQL), and one instance of every other generic test per
    (package, name, argument names, `where`): not_null, unique, accepted_values, relationships,
    unique_combination_of_columns, and whatever kind a new mart brings (the first by name)."""
    kept: dict[tuple, str] = {}
    run, left = [], []
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["name"]):
        if node["resource_type"] != "test":
            continue
        meta = node.get("test_metadata")
        arguments = set((meta or {}).get("kwargs") or {}) - {"model", "column_name"}
        if meta is None or arguments & SQL_ARGUMENTS:
            run.append(node["name"])
            continue
        kind = (
            meta.get("namespace"),
            meta["name"],
            tuple(sorted(arguments)),
            bool(node["config"].get("where")),
        )
        if kind in kept:
            left.append(node["name"])
        else:
            kept[kind] = node["name"]
            run.append(node["name"])
    return run, left


def mart_keys() -> dict[str, list[str]]:
    """Each mart's key: the columns of its unique_combination_of_columns test."""
    keys = {}
    for path in (DBT_PROJECT_DIR / "models" / "marts").glob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            for test in model.get("data_tests") or []:
                if isinstance(test, dict) and "unique_combination_of_columns" in test:
                    spec = test["unique_combination_of_columns"]
                    keys[model["name"]] = list((spec.get("arguments") or spec)["combination_of_columns"])
    return keys


def seed_names() -> list[str]:
    return sorted(p.stem for p in (DBT_PROJECT_DIR / "seeds").glob("*.csv"))


def spark_table_sql(spark_dir: Path, schema: str, table: str) -> str | None:
    """DuckDB's reader of a table Spark built (None: Spark has no such table)."""
    folder = spark_dir / "warehouse" / f"{schema}.db" / table
    if not folder.is_dir():
        return None
    return f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)"


def read_table(con: duckdb.DuckDBPyConnection, source: str, columns: list[str]) -> pd.DataFrame:
    select = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"select {select} from {source}").df()


def compare_tables(duck: pd.DataFrame, spark: pd.DataFrame, key: list[str], name: str) -> list[str]:
    """Differences between two versions of one table (empty: equal under the module's rules)."""
    problems = []
    if sorted(duck.columns) != sorted(spark.columns):
        return [f"{name}: columns differ: DuckDB {sorted(duck.columns)}, Spark {sorted(spark.columns)}"]
    # (pandas shows NULL as NaN in float columns: NaN itself is counted by nan_cells, in SQL)
    duck_keys = duck.set_index(key).index
    spark_keys = spark.set_index(key).index
    if duck_keys.has_duplicates or spark_keys.has_duplicates:
        problems.append(f"{name}: duplicated keys {key}")
    only_duck = duck_keys.difference(spark_keys)
    only_spark = spark_keys.difference(duck_keys)
    if len(only_duck):
        problems.append(f"{name}: {len(only_duck)} rows only on DuckDB, e.g. {list(only_duck[:3])}")
    if len(only_spark):
        problems.append(f"{name}: {len(only_spark)} rows only on Spark, e.g. {list(only_spark[:3])}")
    common = duck_keys.intersection(spark_keys)
    left = duck.set_index(key).loc[common].sort_index()
    right = spark.set_index(key).loc[common].sort_index()
    for column in left.columns:
        a, b = left[column], right[column]
        if (
            pd.api.types.is_numeric_dtype(a)
            and pd.api.types.is_numeric_dtype(b)
            and not (pd.api.types.is_bool_dtype(a) or pd.api.types.is_bool_dtype(b))
        ):
            a, b = a.astype("float64"), b.astype("float64")
            both_null = a.isna() & b.isna()
            close = pd.Series(
                [
                    math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)
                    if not (pd.isna(x) or pd.isna(y))
                    else False
                    for x, y in zip(a, b, strict=True)
                ],
                index=a.index,
            )
            bad = ~(both_null | close)
        else:
            a = a.map(normalize)
            b = b.map(normalize)
            bad = ~((a.isna() & b.isna()) | (a == b))
        if bad.any():
            first = bad[bad].index[0]
            problems.append(
                f"{name}.{column}: {int(bad.sum())} of {len(bad)} rows differ, e.g. at {key}={first}: "
                f"DuckDB {left.at[first, column]!r}, Spark {right.at[first, column]!r}"
            )
    return problems


def normalize(value):
    """One comparable form per value: instants as UTC, dates as dates, missing as None."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").tz_localize(None) if value.tzinfo else value
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return pd.Timestamp(value)
    return value


def nan_cells(con: duckdb.DuckDBPyConnection, source: str, columns: dict[str, str]) -> dict[str, int]:
    """Per float column, the NaN cells (NaN is never a mart value on either engine)."""
    floats = [c for c, t in columns.items() if t in ("DOUBLE", "FLOAT")]
    if not floats:
        return {}
    counts = con.execute(
        "select " + ", ".join(f'count(*) filter (where isnan("{c}"))' for c in floats) + f" from {source}"
    ).fetchone()
    return {c: n for c, n in zip(floats, counts, strict=True) if n}


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory):
    """The slice built on DuckDB (the Dagster graph) and on Spark (one dbt build from the lake)."""
    base = tmp_path_factory.mktemp("spark_equality")
    settings = make_settings(base / "home", "sample", start=SLICE_START)
    graph = run_graph(settings)
    assert graph.success, graph.failures
    lake, spark_dir = base / "lake", base / "spark"
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        exported = export_raw(con, lake)
    env = {
        **os.environ,
        "ROTATION_LAKE_DIR": str(lake),
        "ROTATION_SPARK_DIR": str(spark_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_NO_PARTIAL_PARSE": "true",
    }
    target = base / "target"
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "spark" / "manifest.json").read_text())
    spark_tests, duckdb_only_tests = spark_data_tests(manifest)
    started = time.monotonic()
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--target",
            "spark",
            "--profiles-dir",
            ".",
            *SPARK_EXCLUDES,
            *duckdb_only_tests,
            "--target-path",
            str(target),
            "--log-path",
            str(base / "logs"),
            # as dagster-dbt runs it: JSON events on stdout, stderr merged into it
            "--log-format",
            "json",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=2400,
    )
    # bytes decoded here: text mode would turn a carriage return into a line break
    output = result.stdout.decode(errors="replace")
    seconds = time.monotonic() - started
    print(f"dbt build --target spark on the slice: {seconds:.0f} s")
    assert result.returncode == 0, output[-8000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        "build_db": settings.build_db,
        "spark_dir": spark_dir,
        "lake": lake,
        "exported": exported,
        "results": {r["unique_id"]: r["status"] for r in results},
        "spark_tests": spark_tests,
        "output": output,
        "seconds": seconds,
    }


def compare_all(build_db: Path, spark_dir: Path, duck_overrides: dict[str, str] | None = None) -> list[str]:
    """Every mart and seed compared; duck_overrides: table -> a DuckDB query to use instead."""
    keys = mart_keys()
    problems = []
    with duckdb.connect(str(build_db), read_only=True) as con:
        tables = [("marts", name, keys[name]) for name in sorted(keys)]
        tables += [("reference", name, None) for name in seed_names()]
        for schema, name, key in tables:
            duck_source = (duck_overrides or {}).get(name, f"{schema}.{name}")
            spark_source = spark_table_sql(spark_dir, schema, name)
            if spark_source is None:
                problems.append(
                    f"{schema}.{name}: Spark built no such table (expected {spark_dir}/warehouse)"
                )
                continue
            described = {
                row[0]: row[1] for row in con.execute(f"describe select * from {schema}.{name}").fetchall()
            }
            columns = list(described)
            duck = read_table(con, duck_source, columns)
            spark = read_table(con, spark_source, columns)
            if len(duck) == 0:
                problems.append(f"{schema}.{name}: no rows on DuckDB: the slice does not exercise it")
            for side, source in (("DuckDB", duck_source), ("Spark", spark_source)):
                nans = nan_cells(con, source, described)
                if nans:
                    problems.append(f"{schema}.{name}: NaN on {side} (expected NULL): {nans}")
            problems += compare_tables(duck, spark, key or columns, f"{schema}.{name}")
    return problems


def test_every_mart_and_seed_equals_duckdbs(both_engines):
    problems = compare_all(both_engines["build_db"], both_engines["spark_dir"])
    assert not problems, "Spark differs from DuckDB:\n" + "\n".join(problems)


def test_the_comparison_catches_one_changed_value_and_one_missing_row(both_engines):
    """Negative control: the DuckDB side of one mart with one value moved by 1e-6 (relative), of
    another with one row left out."""
    with duckdb.connect(str(both_engines["build_db"]), read_only=True) as con:
        (date, series) = con.execute(
            "select date, rate_series from marts.front_end_rates where value is not null "
            "order by rate_series, date limit 1"
        ).fetchone()
        (episode_pair,) = con.execute("select min(pair) from marts.rotation_episodes").fetchone()
    overrides = {
        "front_end_rates": (
            "(select * replace (case when date = date '"
            + str(date)
            + "' and rate_series = '"
            + series
            + "' then value * (1 + 1e-6) else value end as value) from marts.front_end_rates)"
        ),
        "rotation_episodes": (
            "(select * from marts.rotation_episodes where not (pair = '"
            + episode_pair
            + "' and episode_number = 1 and horizon = (select min(horizon) from marts.rotation_episodes "
            "where pair = '"
            + episode_pair
            + "' and episode_number = 1) and direction = (select min(direction) "
            "from marts.rotation_episodes where pair = '"
            + episode_pair
            + "' and episode_number = 1 and horizon = "
            "(select min(horizon) from marts.rotation_episodes where pair = '"
            + episode_pair
            + "' and episode_number = 1))))"
        ),
    }
    problems = compare_all(both_engines["build_db"], both_engines["spark_dir"], overrides)
    assert any(p.startswith("marts.front_end_rates.value: 1 of") for p in problems), problems
    assert any(p.startswith("marts.rotation_episodes: 1 rows only on Spark") for p in problems), problems
    assert len(problems) == 2, problems


def test_the_engine_tests_and_the_unit_tests_ran_and_passed_on_spark(both_engines):
    results = both_engines["results"]
    expected = {p.stem for p in (DBT_PROJECT_DIR / "tests" / "engine").glob("*.sql")}
    assert expected and expected <= {uid.split(".")[-1] for uid in results}, (expected, sorted(results))
    # the data tests chosen for Spark, and only those, ran there
    ran = {uid.split(".")[2] for uid in results if uid.startswith("test.")}
    assert ran == set(both_engines["spark_tests"]), (
        f"data tests run on Spark: expected {sorted(both_engines['spark_tests'])}, got {sorted(ran)}"
    )
    unit = [uid for uid in results if uid.startswith("unit_test.")]
    assert len(unit) >= 15, unit
    # exposures (dbt_project/models/exposures.yml) are documentation: dbt build reports them no-op
    failed = {
        uid: status
        for uid, status in results.items()
        if status not in ("pass", "success") and not (uid.startswith("exposure.") and status == "no-op")
    }
    assert not failed, failed


def test_spark_runs_every_kind_of_data_test_and_every_sql_argument():
    """The selection on a made-up manifest: singular tests and SQL-argument tests all run, other
    generic tests once per kind (a `where` makes another kind)."""

    def test(name, kind=None, namespace=None, where=None, **arguments):
        meta = {"name": kind, "namespace": namespace, "kwargs": {"model": "m", **arguments}} if kind else None
        return {"resource_type": "test", "name": name, "test_metadata": meta, "config": {"where": where}}

    nodes = [
        test("engine_a"),
        test("engine_b"),
        test("not_null_a", "not_null", column_name="x"),
        test("not_null_b", "not_null", column_name="y"),
        test("not_null_c", "not_null", column_name="y", where="x > 0"),
        test("expr_a", "expression_is_true", expression="a > 0"),
        test("expr_b", "expression_is_true", expression="b > 0"),
        test("combo_a", "unique_combination_of_columns", "dbt_utils", combination_of_columns=["a"]),
        test("combo_b", "unique_combination_of_columns", "dbt_utils", combination_of_columns=["b"]),
        {"resource_type": "model", "name": "m"},
    ]
    run, left = spark_data_tests({"nodes": {str(i): n for i, n in enumerate(nodes)}})
    assert sorted(run) == ["combo_a", "engine_a", "engine_b", "expr_a", "expr_b", "not_null_a", "not_null_c"]
    assert sorted(left) == ["combo_b", "not_null_b"]


def test_every_raw_table_was_exported_and_every_mart_has_rows(both_engines):
    exported = both_engines["exported"]
    for table in ("prices", "fred_series", "cftc_tff", "french_factors", "estimate_snapshots", "loads"):
        assert exported[table] > 0, f"raw.{table}: expected rows in the slice's lake, got {exported}"


def test_dbts_events_on_spark_are_whole_lines(both_engines):
    """dagster-dbt reads dbt's stdout and stderr as one stream, one JSON event a line, and the Spark
    JVM dbt starts writes to the same stream. A line with an event behind other output (Spark's
    console progress bar, "[Stage 450:> ...]" and a carriage return) is not JSON to dagster-dbt, and
    the event is dropped: a model's output lost, serving skipped in a Spark run. The profile turns the
    bar off (spark.ui.showConsoleProgress)."""
    lines = both_engines["output"].split("\n")  # not splitlines(): "\r" must not split a line
    events = [line for line in lines if '{"data": ' in line]
    glued = [line[:200] for line in events if not line.startswith('{"data": ')]
    assert len(events) > 100, f"expected dbt's JSON events in the build's output, got {len(events)}"
    assert not glued, (
        f"{len(glued)} dbt events behind other output (dagster-dbt drops them), e.g. {glued[:3]}"
    )


def test_spark_writes_instants_as_int64_microseconds(both_engines):
    """Spark writes INT96 timestamps unless told otherwise (profiles.yml): the marts' instants must
    be INT64 TIMESTAMP_MICROS, what other Parquet readers agree on."""
    folder = both_engines["spark_dir"] / "warehouse" / "marts.db" / "positioning"
    with duckdb.connect() as con:
        rows = con.execute(
            "select distinct type, logical_type from parquet_schema(?) where name = 'available_at'",
            [str(next(folder.rglob("*.parquet")))],
        ).fetchall()
    assert len(rows) == 1 and rows[0][0] == "INT64" and "MICROS" in str(rows[0][1]).upper(), rows
