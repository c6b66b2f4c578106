"""Analyst estimate snapshots and share counts: parsing yfinance's frames, landing, live fetchers
(fake Ticker objects), the append-only load and the gap report."""

from __future__ import annotations

import datetime as dt
import json
import logging

import numpy as np
import pandas as pd
import pytest

from expectations import estimates as estimate_expectations
from ingestion import estimates, estimates_fetch
from ingestion.estimates import EstimateFileError
from ingestion.landing import LandedFile, LandingBatch, UpstreamUnavailableError
from warehouse import db, raw

CAPTURED = dt.datetime(2024, 7, 16, 22, 31, 5, tzinfo=dt.UTC)  # 18:31 New York, 2024-07-16


def yfinance_frames() -> dict[str, pd.DataFrame]:
    """Frames shaped as yfinance 1.7's Ticker properties return them (scrapers/analysis.py):
    indexed by period, the four periods first, a currency column, eps_revisions' downLast7Days
    spelling, and growth_estimates' extra +5y/-5y rows with None where upstream had nothing."""
    periods = pd.Index(["0q", "+1q", "0y", "+1y"], name="period")
    revenue = pd.DataFrame(
        {
            "avg": [85_000_000_000, 94_000_000_000, 390_000_000_000, 415_000_000_000],
            "low": [84_000_000_000, 90_000_000_000, 385_000_000_000, 400_000_000_000],
            "high": [86_000_000_000, 97_000_000_000, 395_000_000_000, 430_000_000_000],
            "numberOfAnalysts": [28, 27, 40, 38],
            "yearAgoRevenue": [81_800_000_000, 89_500_000_000, 383_300_000_000, 390_000_000_000],
            "growth": [0.039, 0.050, 0.017, 0.064],
        },
        index=periods,
    ).assign(currency="USD")
    earnings = pd.DataFrame(
        {
            "avg": [1.35, 1.6, 6.6, 7.2],
            "low": [1.3, 1.5, 6.5, 6.9],
            "high": [1.4, 1.7, 6.75, 7.6],
            "yearAgoEps": [1.26, 1.46, 6.13, 6.6],
            "numberOfAnalysts": [28, 27, 40, 38],
            "growth": [0.071, 0.096, 0.077, 0.091],
        },
        index=periods,
    ).assign(currency="USD")
    trend = pd.DataFrame(
        {
            "current": [1.35, 1.6, 6.6, 7.2],
            "7daysAgo": [1.34, 1.6, 6.58, 7.18],
            "30daysAgo": [1.33, 1.58, 6.55, 7.1],
            "60daysAgo": [1.5, 1.57, 6.56, 7.12],
            "90daysAgo": [1.5, 1.55, 6.6, 7.2],
        },
        index=periods,
    ).assign(currency="USD")
    revisions = pd.DataFrame(
        {"upLast7days": [2, 1, 3, 2], "upLast30days": [5, 4, 8, 7], "downLast30days": [1, 0, 2, 1], "downLast7Days": [0, 0, 1, 0]},
        index=periods,
    ).assign(currency="USD")  # fmt: skip
    growth = pd.DataFrame(
        {
            "stockTrend": [0.071, 0.096, 0.077, 0.091, 0.11, None],
            "industryTrend": [None] * 6,
            "sectorTrend": [None] * 6,
            "indexTrend": [0.05, 0.12, 0.09, 0.13, 0.1, None],
        },
        index=pd.Index(["0q", "+1q", "0y", "+1y", "+5y", "-5y"], name="period"),
    )
    return {
        "revenue_estimate": revenue,
        "earnings_estimate": earnings,
        "eps_trend": trend,
        "eps_revisions": revisions,
        "growth_estimates": growth,
    }


def test_the_parser_maps_every_table_to_one_row_per_period():
    frames = yfinance_frames()
    rows = estimates.parse_snapshot_tables(frames, "AAPL", CAPTURED)
    assert list(rows.columns) == estimates.ESTIMATE_COLUMNS
    assert list(rows["period"]) == ["0q", "+1q", "0y", "+1y"]  # +5y and -5y are not kept
    assert set(rows["capture_date"]) == {pd.Timestamp("2024-07-16")}
    row = rows.set_index("period").loc["+1y"]
    assert row["revenue_avg"] == 415_000_000_000 and row["revenue_low"] == 400_000_000_000
    assert row["revenue_analysts"] == 38 and row["revenue_year_ago"] == 390_000_000_000
    assert row["revenue_growth"] == 0.064 and row["revenue_currency"] == "USD"
    assert (row["eps_avg"], row["eps_year_ago"], row["eps_growth"]) == (7.2, 6.6, 0.091)
    assert (row["eps_trend_current"], row["eps_trend_30d_ago"], row["eps_trend_90d_ago"]) == (7.2, 7.1, 7.2)
    assert (row["eps_up_7d"], row["eps_up_30d"], row["eps_down_7d"], row["eps_down_30d"]) == (2, 7, 0, 1)
    assert (row["growth_stock"], row["growth_index"]) == (0.091, 0.13)
    # every value of the frames is in the rows: nothing lost in the mapping
    for table, fields in estimates.FIELDS.items():
        frame = frames[table]
        lower = {c.lower(): c for c in frame.columns}
        for upstream, column in fields.items():
            expected = frame.loc[["0q", "+1q", "0y", "+1y"], lower[upstream.lower()]].astype(float).to_numpy()
            assert np.array_equal(rows[column].to_numpy(), expected), (table, upstream)


def test_missing_tables_and_columns_give_nulls_and_empty_frames_no_rows():
    frames = yfinance_frames()
    partial = {"revenue_estimate": frames["revenue_estimate"].drop(columns=["high"])}
    rows = estimates.parse_snapshot_tables(partial, "AAPL", CAPTURED)
    assert len(rows) == 4 and rows["revenue_high"].isna().all() and rows["eps_avg"].isna().all()
    etf = {name: pd.DataFrame() for name in estimates.TABLES}  # what Yahoo returns for IWM
    assert estimates.parse_snapshot_tables(etf, "IWM", CAPTURED).empty


def test_a_value_that_is_not_a_number_names_table_period_and_column():
    frames = yfinance_frames()
    frames["eps_trend"] = frames["eps_trend"].astype({"30daysAgo": "object"})
    frames["eps_trend"].loc["0y", "30daysAgo"] = "n/a"
    with pytest.raises(EstimateFileError, match=r"eps_trend 0y 30daysAgo: expected a number, got 'n/a'"):
        estimates.parse_snapshot_tables(frames, "AAPL", CAPTURED)


def test_a_period_twice_is_an_error_and_quote_summary_raw_values_are_read():
    frames = yfinance_frames()
    frames["eps_trend"] = pd.concat([frames["eps_trend"], frames["eps_trend"].iloc[[2]]])
    with pytest.raises(EstimateFileError, match="eps_trend: expected each period once, got 0y twice"):
        estimates.parse_snapshot_tables(frames, "AAPL", CAPTURED)
    split = {"index": ["0y"], "columns": ["stockTrend"], "data": [[{"raw": 0.125, "fmt": "12.50%"}]]}
    rows = estimates.parse_snapshot_tables({"growth_estimates": split}, "AAPL", CAPTURED)
    assert rows["growth_stock"].tolist() == [0.125]


def test_the_capture_date_is_the_new_york_date():
    late = dt.datetime(2024, 7, 17, 1, 0, tzinfo=dt.UTC)  # 21:00 New York on the 16th
    assert estimates.capture_date_of(late) == dt.date(2024, 7, 16)
    with pytest.raises(ValueError, match="timezone-aware"):
        estimates.capture_date_of(dt.datetime(2024, 7, 16, 12))


class FakeTicker:
    """A yfinance Ticker stand-in: the estimate properties and get_shares_full."""

    def __init__(
        self, symbol: str, frames: dict[str, pd.DataFrame], shares: pd.Series | None = None, fail: int = 0
    ):
        self.symbol, self.frames, self.shares, self.fail = symbol, frames, shares, fail

    def __getattr__(self, name: str):
        if name in estimates.TABLES:
            if self.fail > 0:
                self.fail -= 1
                raise ConnectionError("connection reset by peer")
            return self.frames[name]
        raise AttributeError(name)

    def get_shares_full(self, start=None, end=None):
        return self.shares


def test_live_capture_lands_one_file_per_symbol_that_parses_back_to_the_same_rows(tmp_path):
    frames = yfinance_frames()
    empty = {name: pd.DataFrame() for name in estimates.TABLES}
    tickers = {"AAPL": FakeTicker("AAPL", frames, fail=1), "IWM": FakeTicker("IWM", empty)}
    batch = estimates_fetch.fetch_live_estimates(
        ["AAPL", "IWM"],
        tmp_path / "landing",
        ticker=tickers.__getitem__,
        now=lambda: CAPTURED,
        sleep=lambda s: None,
    )
    assert [f.path.name for f in batch.files] == ["AAPL_2024-07-16.json", "IWM_2024-07-16.json"]
    assert batch.covers == (dt.date(2024, 7, 16), dt.date(2024, 7, 17))  # this capture date only
    # Yahoo has no estimates for ETFs: reported as missing; not expected by the gate when optional
    assert batch.requested == ("AAPL", "IWM") and batch.missing == ["IWM"]
    optional = estimates_fetch.fetch_live_estimates(
        ["AAPL", "IWM"], tmp_path / "landing", optional=["IWM"], ticker=tickers.__getitem__,
        now=lambda: CAPTURED, sleep=lambda s: None,
    )  # fmt: skip
    assert optional.requested == ("AAPL",) and optional.missing == ["IWM"]
    body = json.loads(batch.files[0].path.read_text())
    assert body["symbol"] == "AAPL" and body["captured_at"] == "2024-07-16T22:31:05+00:00"
    assert body["tables"]["eps_revisions"]["columns"][3] == "downLast7Days"  # as upstream sent it
    rows, notes = estimates.parse_estimates_batch(batch, dt.date(2000, 1, 1), tmp_path)
    direct = estimates.parse_snapshot_tables(frames, "AAPL", CAPTURED).sort_values(
        "period", ignore_index=True
    )
    pd.testing.assert_frame_equal(rows.drop(columns="landing_file"), direct)
    assert notes == [
        "no analyst estimates upstream for IWM (Yahoo has none for ETFs and indices); nothing loaded for them"
    ]


def test_a_live_capture_rereads_earlier_captures_from_landing_and_the_later_of_a_day_wins(tmp_path):
    """Raw is rebuilt from landing on every capture: a warehouse switched to another source and back
    to live gets its whole history again. Capturing twice on one day keeps the later capture."""
    frames = yfinance_frames()
    landing = tmp_path / "landing"

    def capture(when: dt.datetime, revenue: float) -> LandingBatch:
        frames["revenue_estimate"]["avg"] = revenue
        return estimates_fetch.fetch_live_estimates(
            ["AAPL"], landing, ticker=lambda s: FakeTicker(s, frames), now=lambda: when, sleep=lambda s: None
        )

    capture(CAPTURED - dt.timedelta(days=1), 1e11)
    capture(CAPTURED, 2e11)
    batch = capture(CAPTURED + dt.timedelta(hours=1), 3e11)  # the same New York day, later
    assert batch.covers == (dt.date(2024, 7, 15), dt.date(2024, 7, 17))
    assert len(batch.files) == 3
    rows, notes = estimates.parse_estimates_batch(batch, dt.date(2000, 1, 1), tmp_path)
    per_day = rows.groupby(rows["capture_date"].dt.strftime("%Y-%m-%d"))["revenue_avg"].unique()
    assert {day: list(v) for day, v in per_day.items()} == {"2024-07-15": [1e11], "2024-07-16": [3e11]}
    assert notes == ["1 capture(s) replaced by a later capture of the same symbol and day"]


def test_live_capture_goes_through_the_retry_mechanism(tmp_path, caplog):
    """A table request reset twice, then the tables: two retry lines, two waits, the capture landed
    (which errors are retried is ingestion.downloads.with_retries', tested in test_retries.py)."""
    sleeps: list[float] = []
    with caplog.at_level(logging.WARNING, logger="ingestion"):
        batch = estimates_fetch.fetch_live_estimates(
            ["AAPL"], tmp_path, ticker=lambda s: FakeTicker(s, yfinance_frames(), fail=2),
            now=lambda: CAPTURED, sleep=sleeps.append,
        )  # fmt: skip
    assert sleeps == [2.0, 4.0]
    assert [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()] == [
        "Yahoo AAPL revenue_estimate: ConnectionError: connection reset by peer; retry 1/3 in ~2 s",
        "Yahoo AAPL revenue_estimate: ConnectionError: connection reset by peer; retry 2/3 in ~4 s",
    ]
    assert [f.path.name for f in batch.files] == ["AAPL_2024-07-16.json"] and batch.missing == []


def test_live_capture_gives_up_after_its_attempts_with_one_clear_line(tmp_path):
    ticker = FakeTicker("AAPL", yfinance_frames(), fail=99)
    with pytest.raises(
        UpstreamUnavailableError, match="Yahoo Finance unreachable for AAPL revenue_estimate after 3 attempts"
    ):
        estimates_fetch.fetch_live_estimates(
            ["AAPL"],
            tmp_path,
            ticker=lambda s: ticker,
            now=lambda: CAPTURED,
            max_attempts=3,
            sleep=lambda s: None,
        )


def test_a_renamed_or_broken_landing_file_is_an_error_naming_the_file(tmp_path):
    content = estimates.render_snapshot(
        "AAPL", CAPTURED, {n: estimates.frame_split(f) for n, f in yfinance_frames().items()}
    )
    wrong = tmp_path / "MSFT_2024-07-16.json"
    wrong.write_bytes(content)
    batch = LandingBatch("yahoo_estimates", "live", ("MSFT",), files=[LandedFile(wrong, ("MSFT",))])
    with pytest.raises(
        EstimateFileError,
        match=r"MSFT_2024-07-16.json: expected the file of AAPL .* to be named AAPL_2024-07-16.json",
    ):
        estimates.parse_estimates_batch(batch, dt.date(2000, 1, 1), tmp_path)
    broken = tmp_path / "AAPL_2024-07-16.json"
    broken.write_text(
        '{"symbol": "AAPL", "captured_at": "2024-07-16T22:31:05+00:00", "tables": {"eps_trend": {"index": ["0q"], "columns": ["current"], "data": [[1, 2]]}}}'
    )
    with pytest.raises(
        EstimateFileError, match="table eps_trend: expected index, columns and data of matching lengths"
    ):
        estimates.read_snapshot(broken)
    broken.write_text("not json")
    with pytest.raises(EstimateFileError, match="AAPL_2024-07-16.json: expected a JSON estimate snapshot"):
        estimates.read_snapshot(broken)


def test_a_snapshot_folder_without_estimates_lands_nothing_with_a_note(tmp_path):
    batch = estimates_fetch.land_snapshot_estimates(tmp_path, ["AAPL"], tmp_path / "landing")
    assert batch.files == [] and batch.requested == () and batch.covers is None
    assert "no estimates/ folder" in batch.notes[0]
    kept = tmp_path / "estimates"
    kept.mkdir()
    content = estimates.render_snapshot(
        "AAPL", CAPTURED, {n: estimates.frame_split(f) for n, f in yfinance_frames().items()}
    )
    (kept / "AAPL_2024-07-16.json").write_bytes(content)
    (kept / "TSLA_2024-07-16.json").write_bytes(content)  # not an estimate symbol: skipped
    batch = estimates_fetch.land_snapshot_estimates(tmp_path, ["AAPL"], tmp_path / "landing")
    assert [f.path.name for f in batch.files] == ["AAPL_2024-07-16.json"]
    assert batch.covers == (dt.date(2024, 7, 16), dt.date(2024, 7, 17))


def test_share_history_keeps_the_median_count_of_each_new_york_date(tmp_path):
    index = pd.DatetimeIndex(
        ["2024-01-19 05:00", "2024-01-19 21:00", "2024-01-19 22:00", "2024-04-19 05:00"],
        tz="America/New_York",
    )
    series = pd.Series([15_441_881_000, 16_000_000_000, 15_441_000_000, 15_337_686_000], index=index)
    batch = estimates_fetch.fetch_live_shares(
        ["AAPL", "META"], tmp_path, start=dt.date(2023, 1, 1),
        ticker=lambda s: FakeTicker(s, {}, series if s == "AAPL" else None),
    )  # fmt: skip
    assert batch.missing == ["META"] and [f.path.name for f in batch.files] == ["AAPL.csv"]
    assert batch.requested == ("AAPL",)  # without a history META falls back to the seed: a warning
    rows, _ = estimates.parse_shares_batch(batch, dt.date(2000, 1, 1), tmp_path)
    assert list(rows["date"].dt.strftime("%Y-%m-%d")) == ["2024-01-19", "2024-04-19"]
    assert list(rows["shares"]) == [15_441_881_000, 15_337_686_000]  # the 16e9 spike is outvoted
    naive = tmp_path / "naive.csv"
    naive.write_text("timestamp,shares\n2024-01-19 00:30:00,15441881000\n")  # New York time, not UTC
    assert estimates.parse_shares_file(naive, "AAPL")["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-19"
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,shares\n2024-01-19 05:00:00-05:00,many\n")
    with pytest.raises(EstimateFileError, match="bad.csv line 2: expected a timestamp and a share count"):
        estimates.parse_shares_file(bad, "AAPL")


def _capture(day: str, revenue: float) -> pd.DataFrame:
    captured = dt.datetime.fromisoformat(f"{day}T22:00:00+00:00")
    frames = yfinance_frames()
    frames["revenue_estimate"]["avg"] = revenue
    rows = estimates.parse_snapshot_tables(frames, "AAPL", captured)
    return rows.assign(landing_file=f"landing/AAPL_{day}.json")


def _load(con, rows: pd.DataFrame, day: str):
    start = dt.date.fromisoformat(day)
    delivery = raw.Delivery(
        source="live", synthetic=False, requested=["AAPL"], landing_files=[f"landing/AAPL_{day}.json"],
        start_date=start, end_date=start + dt.timedelta(days=1), keep_from=dt.date(2000, 1, 1),
    )  # fmt: skip
    return raw.load(con, raw.ESTIMATE_SNAPSHOTS, rows, delivery)


def test_captures_append_a_day_at_a_time_and_capturing_again_replaces_only_that_day(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as con:
        assert _load(con, _capture("2024-07-15", 1e11), "2024-07-15").rows_inserted == 4
        assert _load(con, _capture("2024-07-16", 2e11), "2024-07-16").rows_inserted == 4
        again = _load(con, _capture("2024-07-16", 2e11), "2024-07-16")
        assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, 4)
        changed = _load(con, _capture("2024-07-16", 3e11), "2024-07-16")
        assert (changed.rows_updated, changed.rows_removed) == (4, 0)
        kept = con.execute(
            "select capture_date, min(revenue_avg), count(*) from raw.estimate_snapshots group by 1 order by 1"
        ).fetchall()
    assert kept == [(dt.date(2024, 7, 15), 1e11, 4), (dt.date(2024, 7, 16), 3e11, 4)]


def test_two_files_with_the_same_symbol_date_and_period_load_nothing(tmp_path):
    rows = pd.concat(
        [_capture("2024-07-16", 1e11), _capture("2024-07-16", 1e11).assign(landing_file="landing/other.json")]
    )
    with (
        db.connect(tmp_path / "b.duckdb") as con,
        pytest.raises(raw.DuplicateRowsError, match="AAPL 2024-07-16 0q comes from"),
    ):
        _load(con, rows, "2024-07-16")


def test_sessions_without_a_capture_are_reported_not_filled():
    days = ["2024-08-08", "2024-08-09", "2024-08-19", "2024-08-20"]  # 12..16 missed (5 sessions)
    frame = pd.concat([_capture(d, 1e11) for d in days]).drop(columns="landing_file")
    checked = estimate_expectations.validation_frame(frame)
    per_day = checked[checked["period"] == "0y"].set_index("capture_date")["missed_sessions"]
    assert list(per_day.fillna(-1)) == [-1, 0, 5, 0]
    assert estimate_expectations.capture_gaps(frame) == [
        "AAPL: 2024-08-12..2024-08-16, 5 session(s) without a capture"
    ]
    assert len(checked) == len(frame)  # nothing is added for the missing days
