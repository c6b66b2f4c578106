"""Partition re-runs replace exactly their rows; incremental marts equal a full rebuild.

One sample warehouse is built whole, then damaged the way upstream revisions and bad reloads damage
real warehouses, and repaired partition by partition.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance

from ingestion.settings import DBT_PROJECT_DIR
from orchestration.runner import PlannedRun
from tests.integration.conftest import make_settings, run_dbt_by_hand, run_graph, table_checksums
from warehouse import db, raw

pytestmark = pytest.mark.slow

RAW_COLUMNS = "symbol, date, open, high, low, close, adj_close, volume, source, landing_file, loaded_at"


def raw_rows(settings, where: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return con.execute(f"select {RAW_COLUMNS} from raw.prices where {where} order by symbol, date").df()


def mart_tables(settings) -> dict[str, str]:
    return table_checksums(settings.build_db, ("marts",))


def mart_frames(settings) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        return {n: con.execute(f"select * from marts.{n} order by all").df() for n in sorted(names)}


def assert_same_marts(got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    """Every row, key and non-float value identical; floats equal to 1e-12 (an incremental
    rolling window starts its partition elsewhere, so DuckDB may sum it in another order and
    differ in the last bit: about 1e-16)."""
    assert got.keys() == expected.keys()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=False, rtol=1e-12, atol=1e-12, obj=name)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("partitions")
    # ROTATION_START_DATE a month before the sample's first day (2000-01-03): December 1999 is a
    # partition without rows.
    settings = make_settings(home / "home", "sample", start="1999-12-01")
    instance = DagsterInstance.ephemeral()
    first = run_graph(settings, instance)
    assert first.success, first.failures
    return settings, instance


def test_rerunning_a_month_replaces_exactly_its_rows(built):
    settings, instance = built
    june = "date >= '2024-06-01' and date < '2024-07-01'"
    june_before, rest_before = raw_rows(settings, june), raw_rows(settings, f"not ({june})")
    with duckdb.connect(str(settings.build_db)) as con:
        # Damage: a changed June bar, a spurious June row on a Saturday, a changed July bar.
        con.execute("update raw.prices set close = close * 2 where symbol = '^RUT' and date = '2024-06-12'")
        con.execute(
            "insert into raw.prices by name select * replace (date '2024-06-15' as date) "
            "from raw.prices where symbol = 'IWM' and date = '2024-06-14'"
        )
        # (the July bar on the marts' price basis too: an index's returns are of adj_close)
        con.execute(
            "update raw.prices set close = close * 2, adj_close = adj_close * 2 "
            "where symbol = '^RUT' and date = '2024-07-12'"
        )
    # The spurious row is not in the files: removing it is a decision (the removal rule), named.
    allowed = dataclasses.replace(settings, allow_removals=("prices:IWM",))
    rerun = run_graph(allowed, instance, plan=[PlannedRun("prices_and_rates", ["2024-06-01"])])
    assert rerun.success, rerun.failures

    june_after, rest_after = raw_rows(settings, june), raw_rows(settings, f"not ({june})")
    # June is exactly what the files say again: the changed bar restored, the spurious row gone;
    # unchanged rows keep their loaded_at.
    pd.testing.assert_frame_equal(
        june_after.drop(columns="loaded_at"), june_before.drop(columns="loaded_at"), check_exact=True
    )
    merged = june_after.merge(june_before, on=["symbol", "date"], suffixes=("", "_before"))
    moved = merged[merged["loaded_at"] != merged["loaded_at_before"]]
    assert list(zip(moved["symbol"], moved["date"].dt.date, strict=True)) == [("^RUT", dt.date(2024, 6, 12))]
    # Outside June nothing moved: the damaged July bar stays damaged until July is re-run.
    changed = rest_after.merge(rest_before, on=["symbol", "date"], suffixes=("", "_b"))
    differs = changed[changed["close"] != changed["close_b"]]
    assert list(zip(differs["symbol"], differs["date"].dt.date, strict=True)) == [
        ("^RUT", dt.date(2024, 7, 12))
    ]
    assert len(rest_after) == len(rest_before)

    with db.connect(settings.build_db, read_only=True) as con:
        load = raw.latest_load(con, "yahoo")
    assert (load["covered_from"], load["covered_until"]) == (dt.date(2024, 6, 1), dt.date(2024, 7, 1))
    assert (load["rows_updated"], load["rows_removed"]) == (1, 1)
    assert load["changed_from"] == dt.date(2024, 6, 12)
    assert_serving_is_the_build(settings, rerun)  # a revised old day, published incrementally


def dbt_log(run) -> str:
    """The log of the dbt call of ``run`` (each call has its own target folder, named by its run)."""
    [call] = [
        path
        for run_id in run.run_ids
        for path in (DBT_PROJECT_DIR / "target").glob(f"rotation_dbt_assets-{run_id[:7]}-*")
    ]
    return (call / "dbt.log").read_text()


def assert_serving_is_the_build(settings, run) -> None:
    """The incremental publish of ``run`` left serving.duckdb equal to a copy from scratch of the
    build's published tables: the same tables, each with the same rows (count and sum of row hashes,
    computed here on the whole row, independently of the publish's own per-column fingerprints)."""
    assert run.metadata["serving"]["mode"].value == "incremental"
    assert table_checksums(settings.serving_db) == table_checksums(settings.build_db)


def test_incremental_marts_equal_a_full_rebuild(built):
    settings, instance = built
    # Re-run July too (restores its bar): the marts then rebuild from 2024-07-12 on.
    july = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-07-01"])])
    assert july.success, july.failures
    # dbt parsed only what changed since the last run on this warehouse, from the warehouse's own
    # state (orchestration/assets/dbt.py start_from_partial_parse), not the whole project
    assert "Unable to do partial parsing" not in dbt_log(july), "the run parsed from scratch"
    assert (settings.dbt_state_dir / "partial_parse.msgpack").exists()
    assert_serving_is_the_build(settings, july)
    rewritten = july.metadata["serving"]["tables_rewritten"].value
    assert "marts.rate_sensitivity" in rewritten and "reference.pairs" not in rewritten
    # rate_sensitivity is rebuilt from 2024-07-12: its Parquet export rewrites the file of 2024 only
    files = july.metadata["serving/parquet"]["files_written"].value
    assert "rate_sensitivity/2024.parquet" in files and "rate_sensitivity/2023.parquet" not in files
    incremental = mart_tables(settings)
    serving_file = (settings.serving_db.stat().st_ino, settings.serving_db.stat().st_mtime_ns)
    nothing_new = run_graph(settings, instance, plan=[PlannedRun("marts_and_serving")])
    assert nothing_new.success, nothing_new.failures
    assert mart_tables(settings) == incremental, "a run without new data must change nothing"
    # ... nor does its publish: every table kept, no Parquet file written (a new serving file, with
    # a new published_at, is still renamed in)
    assert nothing_new.metadata["serving"]["tables_rewritten"].value == []
    assert nothing_new.metadata["serving/parquet"]["files_written"].value == []
    assert (settings.serving_db.stat().st_ino, settings.serving_db.stat().st_mtime_ns) != serving_file
    assert_serving_is_the_build(settings, nothing_new)
    incremental_frames = mart_frames(settings)
    full = run_graph(settings, instance, plan=[PlannedRun("marts_and_serving", full_refresh=True)])
    assert full.success, full.failures
    assert_same_marts(incremental_frames, mart_frames(settings))


def test_a_month_before_the_history_succeeds_with_zero_rows(built):
    # December 1999 has trading days but no instrument has rows before 2000-01-03: re-running the
    # partition loads nothing, expects nothing, and every check passes.
    settings, instance = built
    run = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["1999-12-01"])])
    assert run.success, run.failures
    assert run.checks and all(run.checks.values()), run.checks
    with db.connect(settings.build_db, read_only=True) as con:
        load = raw.latest_load(con, "yahoo")
        items = raw.latest_load_items(con, "yahoo")
        assert con.execute("select count(*) from raw.prices where date < '2000-01-01'").fetchone()[0] == 0
    # 23 weekdays in December 1999, less Christmas observed on Friday the 24th (New Year's Day 2000,
    # a Saturday, closed nothing on the 31st)
    assert (load["rows_in_files"], load["changed_from"], load["window_sessions"]) == (0, None, 22)
    assert not items["requested"].any(), "no symbol is expected before its history"


def record_yahoo_load(con, changed_from: str) -> None:
    """A Yahoo load in raw.loads as the loader records one: rebuild_from reads its changed_from."""
    con.execute(
        "insert into raw.loads by name select * replace "
        "(md5(random()::varchar) as load_id, now() as loaded_at, ?::date as changed_from) "
        "from raw.loads where system = 'yahoo' order by loaded_at desc limit 1",
        [changed_from],
    )


# The incremental models, each with its key and a value that a changed close must move.
INCREMENTAL = {
    "intermediate.int_prices__returns": (["symbol", "date"], "daily_return"),
    "marts.relative_performance": (["date", "pair", "horizon"], "return_spread"),
    "marts.instrument_returns": (["date", "symbol", "horizon"], "symbol_return"),
    "marts.rate_sensitivity": (["date", "symbol", "rate_series", "window_days"], "correlation"),
}


def test_incremental_models_equal_a_full_rebuild_after_each_kind_of_change(built, tmp_path):
    """intermediate.int_prices__returns (each symbol's first rebuilt return against its last price
    before the rebuilt dates), marts.relative_performance and marts.instrument_returns (point-in-time
    rank, prior max, record and last larger / smaller dates compared with the rows already built) and
    marts.rate_sensitivity (windows from running sums over the look-back, sign
    runs continued from the built rows) equal a full rebuild after each kind of change: a new symbol
    whose whole history arrives (META), a new symbol whose prices start in a later load (QQQ), a late
    revision of an old day (a long tail of dates to rebuild: relative_performance counts it by
    sorting) and a changed recent day (a short tail: counted by a join); a run without a new load
    changes nothing. On a copy of the shared build, with dbt alone on the three models: raw rows are
    changed in SQL and the load recorded as the loader records it (its bookkeeping is tested above)."""
    settings = make_settings(tmp_path / "home", "sample", start="1999-12-01")
    settings.home.mkdir(parents=True)
    shutil.copy(built[0].build_db, settings.build_db)

    def dbt_run(*extra: str) -> dict[str, pd.DataFrame]:
        result, _ = run_dbt_by_hand(
            settings,
            ["run", "-s", *(name.split(".")[1] for name in INCREMENTAL), "--profiles-dir", ".", *extra],
            tmp_path,
        )
        assert result.returncode == 0, result.stdout[-3000:]
        with duckdb.connect(str(settings.build_db), read_only=True) as con:
            return {name: con.execute(f"select * from {name} order by all").df() for name in INCREMENTAL}

    def change(*statements: str, changed_from: str) -> None:
        with duckdb.connect(str(settings.build_db)) as con:
            for statement in statements:
                con.execute(statement)
            record_yahoo_load(con, changed_from)

    with duckdb.connect(str(settings.build_db)) as con:
        # META (from 2012-05-18 in the sample) and QQQ are missing at first
        con.execute("create table main.held as select * from raw.prices where symbol in ('META', 'QQQ')")
        con.execute("delete from raw.prices where symbol in ('META', 'QQQ')")
    first = dbt_run("--full-refresh")
    assert "META/^GSPC" not in set(first["marts.relative_performance"]["pair"])
    assert "QQQ" not in set(first["marts.rate_sensitivity"]["symbol"])

    # META's whole history arrives, QQQ's from December 2024, and an old ^RUT close is revised:
    # every date from 2010-06-15 on is rebuilt, with built rows before it
    change(
        "insert into raw.prices select * from main.held where symbol = 'META' or date >= '2024-12-01'",
        "update raw.prices set close = close * 1.05, adj_close = adj_close * 1.05 "
        "where symbol = '^RUT' and date = '2010-06-15'",
        changed_from="2010-06-15",
    )
    long_tail = dbt_run()
    assert "META/^GSPC" in set(long_tail["marts.relative_performance"]["pair"])
    qqq = long_tail["marts.rate_sensitivity"].query("symbol == 'QQQ'")
    assert len(qqq) and qqq["date"].min() > pd.Timestamp("2024-12-01"), "QQQ's first full windows"

    # a recent close changes: the last days are rebuilt (rate_sensitivity from the 251 aligned days
    # before them)
    change(
        "update raw.prices set close = close * 0.97, adj_close = adj_close * 0.97 "
        "where symbol = '^GSPC' and date = '2024-12-26'",
        changed_from="2024-12-26",
    )
    short_tail = dbt_run()
    for name, (keys, value) in INCREMENTAL.items():
        moved = short_tail[name].merge(long_tail[name], on=keys, suffixes=("", "_before"))
        assert (moved[value] != moved[f"{value}_before"]).any(), f"the change must show in {name}"

    full = dbt_run("--full-refresh")
    cutoff = pd.Timestamp("2024-12-26")
    for name, frame in full.items():
        pd.testing.assert_frame_equal(
            short_tail[name], frame, check_exact=False, rtol=1e-12, atol=1e-12, obj=name
        )
        # the long-tail run's rows before the recent change are those of the full rebuild
        pd.testing.assert_frame_equal(
            long_tail[name][long_tail[name]["date"] < cutoff].reset_index(drop=True),
            frame[frame["date"] < cutoff].reset_index(drop=True),
            check_exact=False,
            rtol=1e-12,
            atol=1e-12,
            obj=name,
        )

    # no new load: nothing is rebuilt, nothing changes
    again = dbt_run()
    for name, frame in full.items():
        pd.testing.assert_frame_equal(again[name], frame, check_exact=True, obj=name)
