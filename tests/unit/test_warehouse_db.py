"""raw loads (idempotent upserts, authoritative ranges, one source at a time) and atomic publish."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from warehouse import db, raw


def frame(
    rows: list[tuple[str, str, float]], landing_file: str = "landing/x.csv", partial: tuple[int, ...] = ()
) -> pd.DataFrame:
    """Price rows; ``partial``: positions of the rows flagged is_partial."""
    return pd.DataFrame(
        {
            "symbol": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "open": [r[2] for r in rows],
            "high": [r[2] for r in rows],
            "low": [r[2] for r in rows],
            "close": [r[2] for r in rows],
            "adj_close": [r[2] for r in rows],
            "volume": [100.0 for _ in rows],
            "close_is_adjusted": [False for _ in rows],
            "is_partial": [k in partial for k in range(len(rows))],
            "landing_file": landing_file,
        }
    )


def load(con, df, source="sample", requested=("A", "B"), start=dt.date(2000, 1, 1), allow=()):
    return raw.load(
        con,
        raw.PRICES,
        df,
        raw.Delivery(
            source=source,
            synthetic=source == "sample",
            requested=list(requested),
            landing_files=["landing/x.csv"],
            start_date=start,
            allow_removals=allow,
        ),
    )


def window(requested, start, end, landing_files=(), **more) -> raw.Delivery:
    """A delivery of sample rows for the window [start, end)."""
    return raw.Delivery(
        source="sample",
        synthetic=True,
        requested=requested,
        landing_files=landing_files,
        start_date=start,
        end_date=end,
        **more,
    )


ROWS = [("A", "2024-01-02", 10.0), ("A", "2024-01-03", 11.0), ("B", "2024-01-02", 20.0)]


def test_reloading_the_same_rows_changes_nothing(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        first = load(con, frame(ROWS))
        before = con.execute("select * from raw.prices order by all").fetchall()
        second = load(con, frame(ROWS))
        after = con.execute("select * from raw.prices order by all").fetchall()
    assert (first.rows_inserted, first.rows_unchanged) == (3, 0)
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged, second.rows_removed) == (
        0,
        0,
        3,
        0,
    )
    assert after == before, "loaded_at of unchanged rows must not move"


def test_chunks_load_like_one_frame_and_a_row_from_two_files_loads_nothing(tmp_path):
    chunks = [frame(ROWS[:2], "landing/a.csv"), frame(ROWS[2:], "landing/b.csv")]
    with db.connect(tmp_path / "chunks.duckdb") as con:
        stats = load(con, iter(chunks))
        chunked = con.execute("select * exclude (loaded_at) from raw.prices order by all").fetchall()
    with db.connect(tmp_path / "whole.duckdb") as con:
        load(con, pd.concat(chunks, ignore_index=True))
        whole = con.execute("select * exclude (loaded_at) from raw.prices order by all").fetchall()
    assert (stats.rows_in_files, stats.rows_inserted) == (3, 3)
    assert chunked == whole

    again = [
        frame([("B", "2024-01-04", 21.0)], "landing/b.csv"),
        frame([("B", "2024-01-04", 21.5)], "landing/c.csv"),
    ]
    with db.connect(tmp_path / "chunks.duckdb") as con:
        with pytest.raises(raw.DuplicateRowsError) as caught:
            load(con, iter(again))
        assert con.execute("select count(*) from raw.prices").fetchone()[0] == 3, "nothing loaded"
    assert str(caught.value) == (
        "B 2024-01-04 comes from landing/b.csv and landing/c.csv; expected each (symbol, date) from one "
        "file of the batch"
    )


def test_changed_rows_are_replaced_and_vanished_rows_removed_by_decision(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame(ROWS))
        stats = load(con, frame([("A", "2024-01-02", 10.5), ("B", "2024-01-02", 20.0)]), allow=["A"])
        rows = con.execute("select symbol, date::varchar, close from raw.prices order by all").fetchall()
        kept = con.execute(
            "select item, date::varchar, decision, row_json->>'close' from raw.removed_rows"
        ).fetchall()
        pending = raw.pending_removals(con, raw.PRICES)
    assert (stats.rows_updated, stats.rows_removed, stats.rows_unchanged) == (1, 1, 1)
    assert rows == [("A", "2024-01-02", 10.5), ("B", "2024-01-02", 20.0)]
    assert kept == [("A", "2024-01-03", "removed", "11.0")], "a removed row stays recoverable"
    assert pending.empty


def test_a_row_upstream_no_longer_delivers_is_kept_and_pending_until_a_decision(tmp_path):
    """The removal rule: without a decision a load keeps the rows its files no longer hold, records
    them as withheld (the removals gate fails on them); a later load that delivers them again (the
    file fixed) resolves them, and so does one allowed to remove them."""
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame(ROWS))
        short = frame([("A", "2024-01-02", 10.0), ("B", "2024-01-02", 20.0)])
        stats = load(con, short)
        rows_after_short = con.execute("select count(*) from raw.prices").fetchone()[0]
        first = raw.pending_removals(con, raw.PRICES)
        recorded = raw.latest_load(con, "yahoo")
        load(con, short)  # the same short file again: still pending, once
        again = raw.pending_removals(con, raw.PRICES)
        load(con, frame(ROWS))  # the file fixed: nothing pending
        fixed = raw.pending_removals(con, raw.PRICES)
        load(con, short)
        load(con, short, allow=["*"])  # the removal accepted
        accepted = raw.pending_removals(con, raw.PRICES)
        decisions = con.execute(
            "select decision, count(*) from raw.removed_rows group by 1 order by 1"
        ).fetchall()
        left = con.execute("select count(*) from raw.prices").fetchone()[0]
    assert (stats.rows_removed, stats.rows_withheld, rows_after_short) == (0, 1, 3)
    assert recorded["rows_withheld"] == 1 and recorded["rows_removed"] == 0
    assert [(r.item, str(r.date.date())) for r in first.itertuples()] == [("A", "2024-01-03")]
    assert len(again) == 1 and again["load_id"].iloc[0] != first["load_id"].iloc[0]
    assert fixed.empty and accepted.empty
    assert decisions == [("removed", 1), ("withheld", 3)]
    assert left == 2


def test_the_removal_rule_holds_for_tables_with_further_keys(tmp_path):
    """estimate_snapshots: key (symbol, capture_date, period); a period no longer delivered is
    withheld on its own key, and delivering it again resolves exactly it."""

    def snapshots(periods):
        rows = pd.DataFrame(
            {
                "symbol": "AAPL",
                "capture_date": pd.to_datetime(["2024-01-02"] * len(periods)),
                "period": periods,
                "captured_at": pd.Timestamp("2024-01-02 22:00", tz="UTC"),
                "landing_file": "landing/e.json",
            }
        )
        for column in raw.ESTIMATE_SNAPSHOTS.values[1:]:
            rows[column] = None if column == "revenue_currency" else 1.0
        return rows

    def load_estimates(con, periods):
        return raw.load(
            con,
            raw.ESTIMATE_SNAPSHOTS,
            snapshots(periods),
            window(["AAPL"], dt.date(2024, 1, 2), dt.date(2024, 1, 3)),
        )

    with db.connect(tmp_path / "b.duckdb") as con:
        load_estimates(con, ["0q", "+1q", "0y"])
        stats = load_estimates(con, ["0q", "0y"])
        pending = raw.pending_removals(con, raw.ESTIMATE_SNAPSHOTS)
        load_estimates(con, ["0q", "+1q", "0y"])
        resolved = raw.pending_removals(con, raw.ESTIMATE_SNAPSHOTS)
    assert stats.rows_withheld == 1
    assert list(pending["key"]) == ["|+1q"]
    assert resolved.empty


def test_symbols_not_delivered_keep_their_rows_and_are_recorded(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame(ROWS))
        load(con, frame([("A", "2024-01-02", 10.0), ("A", "2024-01-03", 11.0)]))
        b_rows = con.execute("select count(*) from raw.prices where symbol = 'B'").fetchone()[0]
        per_symbol = raw.latest_load_items(con, "yahoo").set_index("item")
    assert b_rows == 1, "earlier good data stays when upstream sends nothing for a symbol"
    assert per_symbol.loc["B", "rows_delivered"] == 0 and bool(per_symbol.loc["B", "requested"])
    assert per_symbol.loc["A", "rows_delivered"] == 2


def test_another_source_replaces_the_previous_sources_rows(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame(ROWS), source="sample")
        stats = load(con, frame([("A", "2024-01-02", 10.0)]), source="snapshot", requested=["A"])
        sources = con.execute("select distinct source from raw.prices").fetchall()
    assert sources == [("snapshot",)]
    assert stats.rows_removed == 3 and stats.rows_inserted == 1


def test_rows_before_the_start_date_are_removed(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame(ROWS))
        stats = load(con, frame(ROWS[1:2]), start=dt.date(2024, 1, 3))
        rows = con.execute("select symbol, date::varchar from raw.prices order by all").fetchall()
    assert rows == [("A", "2024-01-03")]
    assert stats.rows_removed == 2


def test_a_window_load_replaces_exactly_the_rows_of_its_window(tmp_path):
    rows = [("A", "2024-01-02", 10.0), ("A", "2024-01-03", 11.0), ("A", "2024-02-01", 12.0)]
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame(rows), requested=("A",))
        before = con.execute("select * from raw.prices where date >= '2024-02-01'").fetchall()
        # January again: the 3rd changed, the 2nd gone upstream; a February row in the file is
        # outside the window and ignored.
        stats = raw.load(
            con,
            raw.PRICES,
            frame([("A", "2024-01-03", 11.5), ("A", "2024-02-01", 99.0)]),
            window(
                ["A"],
                dt.date(2024, 1, 1),
                dt.date(2024, 2, 1),
                keep_from=dt.date(2000, 1, 1),
                window_sessions=21,
                allow_removals=["A"],
            ),
        )
        got = con.execute("select date::varchar, close from raw.prices order by date").fetchall()
        after = con.execute("select * from raw.prices where date >= '2024-02-01'").fetchall()
        recorded = raw.latest_load(con, "yahoo")
    assert got == [("2024-01-03", 11.5), ("2024-02-01", 12.0)]
    assert after == before, "rows outside the window are untouched, loaded_at included"
    assert (stats.rows_in_files, stats.rows_updated, stats.rows_removed) == (1, 1, 1)
    assert stats.changed_from == dt.date(2024, 1, 2)
    assert (recorded["covered_from"], recorded["covered_until"]) == (dt.date(2024, 1, 1), dt.date(2024, 2, 1))
    assert (recorded["changed_from"], recorded["window_sessions"]) == (dt.date(2024, 1, 2), 21)


def test_a_window_without_sessions_or_before_an_items_history_expects_nothing(tmp_path):
    def window_load(con, start, end, sessions):
        return raw.load(
            con,
            raw.PRICES,
            frame([]),
            window(["A", "B"], start, end, keep_from=dt.date(2000, 1, 1), window_sessions=sessions),
        )

    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame([("A", "2024-01-02", 10.0)]), requested=("A",))
        window_load(con, dt.date(2024, 1, 6), dt.date(2024, 1, 8), sessions=0)  # a weekend
        weekend = raw.latest_load_items(con, "yahoo").set_index("item")["requested"].to_dict()
        window_load(con, dt.date(2023, 12, 1), dt.date(2024, 1, 1), sessions=19)  # before A's history
        december = raw.latest_load_items(con, "yahoo").set_index("item")["requested"].to_dict()
        assert con.execute("select count(*) from raw.prices").fetchone()[0] == 1
    assert weekend == {"A": False, "B": False}
    # A starts in January: not expected in December. B never had rows: expected (unknown symbol).
    assert december == {"A": False, "B": True}


def test_reloading_unchanged_rows_records_no_change(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        first = load(con, frame(ROWS))
        second = load(con, frame(ROWS))
    assert first.changed_from == dt.date(2024, 1, 2)
    assert second.changed_from is None


def test_publish_copies_published_schemas_with_their_constraints(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts; create schema staging")
        con.execute("create table marts.m (d date not null, v double)")
        con.execute("insert into marts.m values ('2024-01-02', 1.5), ('2024-01-03', null)")
        con.execute("create table staging.s as select 1 as x")
    result = db.publish(build, serving, build_info={"source": "sample", "synthetic": True})
    assert result.tables == {"marts.m": 2}
    with duckdb.connect(str(serving), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
        ddl = con.execute("select sql from duckdb_tables() where table_name = 'm'").fetchone()[0]
        source, synthetic = con.execute("select source, synthetic from meta.build_info").fetchone()
    assert schemas == {"marts", "meta"}
    assert "NOT NULL" in ddl
    assert (source, synthetic) == ("sample", True)


def test_publish_removes_the_leftovers_of_a_killed_publish(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts; create table marts.m as select 1 as x")
    (tmp_path / ".serving.duckdb.0123abcd.tmp").write_bytes(b"half a file")
    (tmp_path / ".serving.duckdb.0123abcd.tmp.wal").write_bytes(b"its wal")
    db.publish(build, serving, build_info={})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rotation.duckdb", "serving.duckdb"]


def test_failed_publish_leaves_the_old_serving_file_and_no_temp_files(tmp_path):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    serving.write_bytes(b"previous serving file")
    with duckdb.connect(str(build)) as con:
        con.execute("create schema staging; create table staging.s as select 1 as x")  # no marts
    with pytest.raises(RuntimeError, match="no tables in schema marts"):
        db.publish(build, serving, build_info={})
    assert serving.read_bytes() == b"previous serving file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rotation.duckdb", "serving.duckdb"]


def test_a_locked_build_file_gives_a_clear_error(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "b.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(db.WarehouseLockedError, match="locked by another process"), db.connect(path):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_symbol_that_disappears_upstream_stays_requested_and_shows_zero_rows(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, frame(ROWS), source="snapshot", requested=["A", "B"])
        # next snapshot: B's file is gone, so the fetch only asked for A
        load(con, frame(ROWS[:2]), source="snapshot", requested=["A"])
        per_symbol = raw.latest_load_items(con, "yahoo").set_index("item")
    assert bool(per_symbol.loc["B", "requested"]) and per_symbol.loc["B", "rows_delivered"] == 0


def serving_with_marts(path, marts: dict[str, int]) -> None:
    """A tiny serving file: marts.<name> with ``rows`` rows each, plus a reference table."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema reference")
        con.execute("create table reference.r as select 1 as x")
        for name, rows in marts.items():
            con.execute(
                f"create table marts.{name} as select (date '2024-01-01' + i::int) as date, i * 1.5 as v "
                f"from range({rows}) r(i) order by random()"
            )


def test_export_parquet_writes_one_file_per_mart_and_removes_stale_ones(tmp_path):
    home = tmp_path / "it's home"  # a quote in the path must survive COPY TO's quoting
    home.mkdir()
    serving, out = home / "serving.duckdb", home / "parquet"
    serving_with_marts(serving, {"a": 3, "b": 5})
    out.mkdir()
    (out / ".a.parquet.0123abcd.tmp").write_bytes(b"half a file of a killed export")

    files = {t: (m.path, m.rows) for t, m in db.export_parquet(serving, out).items()}

    assert files == {"a": (out / "a.parquet", 3), "b": (out / "b.parquet", 5)}
    assert sorted(p.name for p in out.iterdir()) == ["a.parquet", "b.parquet"]
    with duckdb.connect() as con:
        rows = con.execute(
            "select date::varchar, v from read_parquet($p)", {"p": str(out / "b.parquet")}
        ).fetchall()
    assert rows == [(f"2024-01-0{i + 1}", i * 1.5) for i in range(5)], "sorted, every row"

    serving_with_marts(serving, {"b": 2})  # mart a no longer published
    files = {t: (m.path, m.rows) for t, m in db.export_parquet(serving, out).items()}

    assert files == {"b": (out / "b.parquet", 2)}
    assert sorted(p.name for p in out.iterdir()) == ["b.parquet"]


def test_export_parquet_keeps_the_old_files_when_there_is_nothing_safe_to_export(tmp_path):
    serving, out = tmp_path / "serving.duckdb", tmp_path / "parquet"
    serving_with_marts(serving, {"a": 3})
    db.export_parquet(serving, out)
    serving_with_marts(serving, {})
    with pytest.raises(RuntimeError, match="no tables in schema marts"):
        db.export_parquet(serving, out)
    assert sorted(p.name for p in out.iterdir()) == ["a.parquet"]
    with duckdb.connect(str(serving)) as con:
        con.execute('create table marts."../escape" as select 1 as x; create table marts.b as select 1 as x')
    with pytest.raises(ValueError, match="not plain names"):
        db.export_parquet(serving, out)
    assert sorted(p.name for p in out.iterdir()) == ["a.parquet"]
    assert not (tmp_path / "escape.parquet").exists()
    with pytest.raises(FileNotFoundError, match="build the warehouse first"):
        db.export_parquet(tmp_path / "missing.duckdb", out)


def test_the_price_gate_reads_a_window_with_the_history_before_it(tmp_path):
    """expectations.prices.window_frame (what the gate validates): rows of the window only, the
    first move measured from the symbol's last returns basis before the window, and the inverted-bar
    share over all history."""
    from expectations.prices import window_frame
    from ingestion.settings import Settings

    settings = Settings(source="sample", home=tmp_path, snapshot_dir=tmp_path, start_date=dt.date(2000, 1, 1))
    january = frame([("A", "2024-01-30", 10.0), ("A", "2024-01-31", 12.0), ("B", "2024-01-31", 20.0)])
    january.loc[0, ["high", "low"]] = [9.0, 11.0]  # one inverted bar of A, in January
    february = frame([("A", "2024-02-01", 13.0), ("B", "2024-02-01", 21.0)])
    with db.connect(settings.build_db) as con:
        load(con, january)
        raw.load(
            con,
            raw.PRICES,
            february,
            window(
                ["A", "B"],
                dt.date(2024, 2, 1),
                dt.date(2024, 3, 1),
                landing_files=["landing/x.csv"],
                keep_from=dt.date(2000, 1, 1),  # as ingest passes ROTATION_START_DATE
            ),
        )
    rows = window_frame(settings.build_db, dt.date(2024, 2, 1), dt.date(2024, 3, 1), {}).set_index("symbol")
    assert sorted(rows["date"].dt.strftime("%Y-%m-%d")) == ["2024-02-01", "2024-02-01"]
    assert rows.loc["A", "log_move"] == pytest.approx(np.log(13.0 / 12.0))
    assert rows.loc["B", "log_move"] == pytest.approx(np.log(21.0 / 20.0))
    assert rows.loc["A", "inverted_share"] == pytest.approx(1 / 3)
    assert rows.loc["B", "inverted_share"] == 0.0


# --- partial bars ----------------------------------------------------------------------------------


def test_a_final_capture_of_the_day_replaces_its_partial_row(tmp_path):
    """Live at 11:00 New York lands A's bar of the day flagged partial; the evening capture of the
    same day is final: the row is updated (values and flag), and reloading it changes nothing."""
    morning = frame([("A", "2024-01-02", 10.0), ("A", "2024-01-03", 10.5)], partial=(1,))
    evening = frame([("A", "2024-01-02", 10.0), ("A", "2024-01-03", 11.0)])
    with db.connect(tmp_path / "b.duckdb") as con:
        load(con, morning, requested=["A"])
        assert con.execute("select date::varchar from raw.prices where is_partial").fetchall() == [
            ("2024-01-03",)
        ]
        stats = load(con, evening, requested=["A"])
        assert (stats.rows_updated, stats.rows_unchanged, stats.rows_inserted) == (1, 1, 0)
        assert con.execute("select count(*) from raw.prices where is_partial").fetchone()[0] == 0
        assert con.execute("select close from raw.prices where date = '2024-01-03'").fetchone()[0] == 11.0
        again = load(con, evening, requested=["A"])
        assert (again.rows_updated, again.rows_unchanged) == (0, 2)


def test_a_build_file_from_before_is_partial_gains_the_column(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute(  # raw.prices as the first release created it
            "create table raw.prices (symbol varchar not null, date date not null, open double, "
            "high double, low double, close double, adj_close double, volume double, "
            "close_is_adjusted boolean not null, source varchar not null, landing_file varchar not null, "
            "loaded_at timestamptz not null)"
        )
        con.execute(
            "insert into raw.prices (symbol, date, close, close_is_adjusted, source, landing_file, loaded_at) "
            "values ('A', '2024-01-02', 10.0, false, 'sample', 'x', now())"
        )
    with db.connect(path) as con:
        load(
            con, frame([("A", "2024-01-02", 10.0), ("A", "2024-01-03", 11.0)], partial=(1,)), requested=["A"]
        )
        rows = con.execute("select date::varchar, is_partial from raw.prices order by date").fetchall()
    assert rows == [("2024-01-02", False), ("2024-01-03", True)]


def test_the_price_gate_skips_partial_bars_and_lists_them(tmp_path):
    """A partial bar (volume 0 and a half-formed range, say) is not validated, nor is it the basis
    of the next window's first move; the gate's metadata lists it."""
    from expectations.prices import window_frame
    from ingestion.settings import Settings
    from orchestration.checks import partial_bars

    settings = Settings(source="sample", home=tmp_path, snapshot_dir=tmp_path, start_date=dt.date(2000, 1, 1))
    rows = frame(
        [("A", "2024-01-30", 10.0), ("A", "2024-01-31", 12.0), ("B", "2024-01-31", 20.0)], partial=(1,)
    )
    rows.loc[1, ["high", "low"]] = [9.0, 11.0]  # inverted, as a bar of a session still open may be
    with db.connect(settings.build_db) as con:
        load(con, rows)
    validated = window_frame(settings.build_db, None, None, {})
    assert sorted(validated["date"].dt.strftime("%Y-%m-%d")) == ["2024-01-30", "2024-01-31"]
    assert validated.set_index("symbol").loc["A", "inverted_share"] == 0.0
    assert partial_bars(settings, None, None) == ["A 2024-01-31"]


# --- gate verdicts -----------------------------------------------------------------------------------


def test_a_load_without_a_verdict_is_pending_and_a_recorded_verdict_reads_back(tmp_path):
    """raw.gate_state on a build file whose gate never ran (no raw.load_validations at all, as one
    made before the verdicts were recorded): the load stands and is pending; a verdict written by
    raw.record_validations reads back, with the start date the load cut at."""
    from warehouse import gate_state

    path = tmp_path / "b.duckdb"
    with db.connect(path) as con:
        stats = load(con, frame(ROWS))
        con.execute("drop table raw.load_validations")
    with db.connect(path, read_only=True) as con:
        loads, verdicts = raw.gate_state(con, raw.PRICES)
    assert [(x.load_id, x.table, x.kept_from) for x in loads] == [
        (stats.load_id, "raw.prices", dt.date(2000, 1, 1))
    ]
    assert verdicts == []
    [pending] = gate_state.open_windows(loads, verdicts, ["great_expectations_gate"])
    assert pending.status == "pending"

    record = raw.ValidationRecord(
        stats.load_id, "great_expectations_gate", False, "w", "the latest load", "bad"
    )
    with db.connect(path) as con:
        raw.record_validations(con, raw.PRICES, [record], "run-1")
    with db.connect(path, read_only=True) as con:
        loads, verdicts = raw.gate_state(con, raw.PRICES)
        row = con.execute(
            "select system, status, validated_window, summary from raw.load_validations"
        ).fetchone()
    assert [(v.load_id, v.status, v.run_id, v.evaluated_at.tzinfo) for v in verdicts] == [
        (stats.load_id, "failed", "run-1", dt.UTC)
    ]
    assert row == ("yahoo", "failed", "w", "bad")
    assert gate_state.open_windows(loads, verdicts, ["great_expectations_gate"])[0].status == "failed"


def test_the_publish_guard_counts_withheld_rows_from_the_build_file(tmp_path):
    """serving refuses while a load's rows wait for a removal decision, whatever the Dagster instance
    says: the count comes from raw.removed_rows in the build file, per raw table."""
    from ingestion.settings import Settings
    from orchestration.assets.serving import withheld_rows

    settings = Settings(source="sample", home=tmp_path, snapshot_dir=tmp_path, start_date=dt.date(2000, 1, 1))
    with db.connect(settings.build_db) as con:
        load(con, frame(ROWS))
    assert withheld_rows(settings) == {}
    with db.connect(settings.build_db) as con:
        load(con, frame(ROWS[1:]))  # A 2024-01-02 no longer delivered: withheld
    assert withheld_rows(settings) == {"prices": 1}
    with db.connect(settings.build_db) as con:
        load(con, frame(ROWS[1:]), allow=["A"])  # removed by decision
    assert withheld_rows(settings) == {}
