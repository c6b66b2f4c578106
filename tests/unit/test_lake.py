"""warehouse/lake.py: the raw tables of the build file as Parquet partitioned by month (the lake
dbt's spark target reads, issue 19). Round trip on a build file with rows in three months: the same
rows come back, in one hive partition per month, and a re-export replaces the previous one whole."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from warehouse import lake, raw


@pytest.fixture
def build_file(tmp_path):
    con = duckdb.connect(str(tmp_path / "rotation.duckdb"))
    raw.ensure_tables(con)
    days = [dt.date(2024, 1, 31), dt.date(2024, 2, 1), dt.date(2024, 2, 29), dt.date(2024, 3, 4)]
    for i, day in enumerate(days):
        con.execute(
            "insert into raw.prices (symbol, date, close, close_is_adjusted, is_partial, source, landing_file, loaded_at) "
            "values (?, ?, ?, false, false, 'sample', 'f.csv', timestamptz '2024-03-05 21:00:00+00')",
            ["O'NEIL" if i == 0 else "SPY", day, 100.0 + i],
        )
    con.execute(
        "insert into raw.loads (load_id, system, source, loaded_at, synthetic, landing_files, rows_in_files,"
        " rows_inserted, rows_updated, rows_unchanged, rows_removed, notes) values "
        "('l1', 'yahoo', 'sample', timestamptz '2024-03-05 21:00:00+00', true, ['f.csv'], 4, 4, 0, 0, 0, [])"
    )
    yield con
    con.close()


def test_round_trip_keeps_every_row_in_one_partition_per_month(build_file, tmp_path):
    lake_dir = tmp_path / "lake"
    counts = lake.export_raw(build_file, lake_dir, ["prices", "loads", "fred_series"])
    assert counts == {"prices": 4, "loads": 1, "fred_series": 0}
    prices = lake_dir / "raw" / "prices"
    assert sorted(p.name for p in prices.iterdir()) == ["month=2024-01", "month=2024-02", "month=2024-03"]
    back = build_file.execute(
        f"select symbol, date, close, loaded_at, month from read_parquet('{prices}/**/*.parquet', "
        "hive_partitioning = true) order by date"
    ).fetchall()
    original = build_file.execute(
        "select symbol, date, close, loaded_at, strftime(date, '%Y-%m') from raw.prices order by date"
    ).fetchall()
    assert back == original
    # an empty table is one file with its columns, no partitions
    (fred,) = (lake_dir / "raw" / "fred_series").iterdir()
    assert fred.name == "empty.parquet"
    columns = [r[0] for r in build_file.execute(f"describe select * from '{fred}'").fetchall()]
    assert columns[:3] == ["series_id", "date", "value"]


def test_instants_are_int64_microseconds(build_file, tmp_path):
    lake.export_raw(build_file, tmp_path / "lake", ["prices"])
    file = next((tmp_path / "lake" / "raw" / "prices").rglob("*.parquet"))
    (physical,) = build_file.execute(
        "select distinct type from parquet_schema(?) where name = 'loaded_at'", [str(file)]
    ).fetchone()
    assert physical == "INT64"


def test_a_re_export_replaces_the_table_whole_and_leaves_no_temporary_folder(build_file, tmp_path):
    lake_dir = tmp_path / "lake"
    lake.export_raw(build_file, lake_dir, ["prices"])
    build_file.execute("delete from raw.prices where date < date '2024-02-01'")
    assert lake.export_raw(build_file, lake_dir, ["prices"]) == {"prices": 3}
    assert sorted(p.name for p in (lake_dir / "raw" / "prices").iterdir()) == [
        "month=2024-02",
        "month=2024-03",
    ]
    assert sorted(p.name for p in (lake_dir / "raw").iterdir()) == ["prices"]


def test_an_unknown_table_is_refused_by_name(build_file, tmp_path):
    with pytest.raises(ValueError, match="not lake tables: \\['nope'\\]"):
        lake.export_raw(build_file, tmp_path / "lake", ["nope"])


def test_the_lake_holds_every_raw_table_and_the_loads():
    assert set(lake.lake_tables()) == {t.name for t in raw.RAW_TABLES} | {"loads"}
