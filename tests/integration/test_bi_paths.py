"""Every way a BI tool or notebook reads the warehouse, as docs/clients.md ("Connect a BI tool") shows it:
DuckDB read-only, SQLAlchemy (duckdb-engine, what Superset-style tools use) and the Parquet files."""

from __future__ import annotations

import math
import os

import duckdb
import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from warehouse import db

pytestmark = pytest.mark.slow

# The SQLAlchemy settings of docs/clients.md: the URL of the absolute path (duckdb:/// + /abs/path) with
# connect_args, or the same URL with the read-only mode in its query string (for tools that take a URL only).
READ_ONLY_ARGS = {"read_only": True}
MART_QUERY = "select * from marts.rotation_daily order by date"


def sqlalchemy_urls(serving_db) -> list[tuple[str, dict]]:
    return [
        (f"duckdb:///{serving_db}", READ_ONLY_ARGS),
        (f"duckdb:///{serving_db}?access_mode=read_only", {}),
    ]


@pytest.fixture(scope="module")
def built(sample_warehouse):
    settings, run = sample_warehouse
    assert run.success, run.failures
    return settings, run


@pytest.fixture(scope="module")
def marts(built) -> list[str]:
    settings, _ = built
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by table_name"
            ).fetchall()
        ]


def normalized(rows) -> list[tuple]:
    """Rows with NaN as None and timestamps as datetimes, so DuckDB's and pandas' rows compare."""
    out = []
    for row in rows:
        values = []
        for v in row:
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
                values.append(None)
            elif isinstance(v, pd.Timestamp):
                values.append(v.to_pydatetime())
            else:
                values.append(v)
        out.append(tuple(values))
    return out


def test_duckdb_read_only_lists_the_marts_and_refuses_writes(built, marts):
    settings, _ = built
    assert {"rotation_daily", "relative_performance", "rotation_episodes"} <= set(marts)
    con = duckdb.connect(str(settings.serving_db), read_only=True)
    try:
        latest = con.sql("select * from marts.rotation_daily order by date desc limit 5").df()
        assert len(latest) == 5 and latest["date"].is_monotonic_decreasing
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table marts.x as select 1")
    finally:
        con.close()


@pytest.mark.parametrize("form", [0, 1], ids=["connect_args", "url_query"])
def test_sqlalchemy_reads_every_mart_and_refuses_writes(built, marts, form):
    settings, _ = built
    url, connect_args = sqlalchemy_urls(settings.serving_db)[form]
    engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)
    try:
        assert inspect(engine).get_table_names(schema="marts") == marts
        frame = pd.read_sql(MART_QUERY, engine)
        with duckdb.connect(str(settings.serving_db), read_only=True) as con:
            expected = con.execute(MART_QUERY)
            columns = [d[0] for d in expected.description]
            expected_rows = expected.fetchall()
        assert list(frame.columns) == columns
        assert len(frame) == len(expected_rows) > 0
        assert normalized(frame.itertuples(index=False, name=None)) == normalized(expected_rows)
        with engine.connect() as con:
            assert con.execute(text("select current_setting('access_mode')")).scalar() == "read_only"
            with pytest.raises(DBAPIError, match="read-only"):
                con.execute(text("create table marts.x as select 1"))
    finally:
        engine.dispose()
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        assert con.execute("select count(*) from duckdb_tables() where table_name = 'x'").fetchone()[0] == 0


def test_a_new_publish_is_seen_once_no_connection_holds_the_old_one(tmp_path):
    """Why docs/clients.md says NullPool and close: serving.duckdb is replaced by a rename, an open
    connection keeps reading the file it opened, and DuckDB shares one open database per path within a
    process, so any connection still open pins the old publish for the whole process."""
    serving = tmp_path / "serving.duckdb"

    def publish(rows: int) -> None:
        tmp = tmp_path / ".serving.duckdb.tmp"
        with duckdb.connect(str(tmp)) as con:
            con.execute(f"create schema marts; create table marts.m as select range as x from range({rows})")
        os.replace(tmp, serving)

    def count(engine) -> int:
        with engine.connect() as con:
            return con.execute(text("select count(*) from marts.m")).scalar()

    publish(5)
    pooled = create_engine(f"duckdb:///{serving}", connect_args=READ_ONLY_ARGS)
    unpooled = create_engine(f"duckdb:///{serving}", connect_args=READ_ONLY_ARGS, poolclass=NullPool)
    try:
        assert count(pooled) == 5
        publish(7)
        assert count(pooled) == 5, "the pool's open connection still reads the previous publish"
        pooled.dispose()
        assert count(unpooled) == 7
        publish(9)
        assert count(unpooled) == 9, "NullPool: every query opens the file anew"
    finally:
        pooled.dispose()
        unpooled.dispose()


def test_every_mart_has_a_parquet_file_with_the_same_rows(built, marts):
    """One file per mart, <mart>.parquet; the two large marts one file per year of their rows,
    <mart>/<year>.parquet, read together with a glob."""
    settings, run = built
    assert "serving/parquet" in run.materialized
    by_year = [m for m in marts if m in db.PARQUET_BY_YEAR]
    assert by_year == ["rate_sensitivity", "relative_performance"]
    files = sorted(p.name for p in settings.parquet_dir.iterdir())
    assert files == sorted(m if m in by_year else f"{m}.parquet" for m in marts), "no temporary files left"
    total = 0
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        for mart in marts:
            path = settings.parquet_dir / (f"{mart}/*.parquet" if mart in by_year else f"{mart}.parquet")
            served = con.execute(f"select count(*), sum(hash(t))::hugeint from marts.{mart} as t").fetchone()
            exported = con.execute(
                "select count(*), sum(hash(t))::hugeint from read_parquet($path) as t", {"path": str(path)}
            ).fetchone()
            assert exported == served, mart
            columns = [r[:2] for r in con.execute(f"describe marts.{mart}").fetchall()]
            read_back = con.execute("describe select * from read_parquet($path)", {"path": str(path)})
            assert [r[:2] for r in read_back.fetchall()] == columns, f"{mart}: names and types round-trip"
            if mart in by_year:
                years = con.execute(f"select distinct year(date)::varchar from marts.{mart}").fetchall()
                named = sorted(p.stem for p in (settings.parquet_dir / mart).iterdir())
                assert named == sorted(y for (y,) in years), f"{mart}: a file per year of its rows"
                one = settings.parquet_dir / mart / f"{named[-1]}.parquet"
                assert (
                    con.execute(
                        "select count(*) from read_parquet($p) where year(date)::varchar <> $y",
                        {"p": str(one), "y": named[-1]},
                    ).fetchone()[0]
                    == 0
                ), f"{one} holds only its year"
            total += served[0]
    # the pandas path of docs/clients.md: DuckDB reads the file into a DataFrame (pandas.read_parquet needs pyarrow)
    frame = duckdb.read_parquet(str(settings.parquet_dir / "rotation_daily.parquet")).df()
    assert len(frame) > 0 and frame["date"].is_monotonic_increasing
    metadata = run.metadata["serving/parquet"]
    assert metadata["dagster/row_count"].value == total
    assert metadata["path"].value == str(settings.parquet_dir)
    assert "rotation_daily.parquet" in metadata["files"].value
