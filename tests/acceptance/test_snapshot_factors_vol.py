"""Acceptance: factor_returns, implied_volatility and event_calendar on the real snapshot, recomputed
with plain pandas from the library files, the Yahoo files and the CFTC text files; and the two
docs/questions.md answers they give (^VXN's percentile on 2024-07-24, the momentum factor's 10 days
to 2024-07-19)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.acceptance.conftest import read_yahoo_csv
from tests.acceptance.test_docs_rotation_questions import answers  # noqa: F401  (the shared fixture)
from tests.acceptance.test_snapshot_french import read_library_file
from tests.acceptance.test_snapshot_positioning import read_reports

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

# factor -> its library file (each factor from its own file, as stg_french__factors)
FACTOR_FILES = {
    "Mkt-RF": "F-F_Research_Data_Factors_daily.CSV",
    "SMB": "F-F_Research_Data_Factors_daily.CSV",
    "HML": "F-F_Research_Data_Factors_daily.CSV",
    "RF": "F-F_Research_Data_Factors_daily.CSV",
    "RMW": "F-F_Research_Data_5_Factors_2x3_daily.CSV",
    "CMA": "F-F_Research_Data_5_Factors_2x3_daily.CSV",
    "Mom": "F-F_Momentum_Factor_daily.CSV",
}
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
HORIZONS = {"1d": 1, "5d": 5, "10d": 10, "21d": 21, "63d": 63, "126d": 126, "252d": 252}


def mart(settings, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        return con.execute(sql).df()


def cume_dist_so_far(values: pd.Series) -> pd.Series:
    """Share of the values up to and including each row that are at or below it."""
    return values.expanding().rank(method="max", pct=True)


def expected_factor(snapshot_dir, factor: str, start) -> pd.DataFrame:
    daily = read_library_file(snapshot_dir / "french" / FACTOR_FILES[factor])[factor].dropna() / 100
    daily = daily[daily.index >= start]
    log_growth = np.log1p(daily)
    frames = []
    for horizon, n in HORIZONS.items():
        compounded = np.expm1(log_growth.rolling(n).sum()).dropna()
        frames.append(
            pd.DataFrame(
                {
                    "horizon": horizon,
                    "factor_return": compounded,
                    "pctrank": cume_dist_so_far(compounded.round(10)),
                    "first_return_date": pd.Series(daily.index, index=daily.index)
                    .shift(n - 1)
                    .loc[compounded.index],
                }
            )
        )
    return pd.concat(frames)


@pytest.mark.parametrize("factor", list(FACTOR_FILES))
def test_factor_returns_and_their_percentiles_equal_pandas(snapshot_warehouse, snapshot_dir, factor):
    settings, _ = snapshot_warehouse
    got = mart(settings, f"select * from marts.factor_returns where factor = '{factor}'")
    got["date"] = pd.to_datetime(got["date"])
    got = got.set_index(["horizon", "date"]).sort_index()
    expected = expected_factor(snapshot_dir, factor, pd.Timestamp(settings.start_date))
    expected = expected.set_index(["horizon", expected.index]).sort_index()
    expected.index.names = ["horizon", "date"]
    assert got.index.equals(expected.index), (
        f"{factor}: rows differ: {len(got)} in the mart, {len(expected)} from the library file"
    )
    assert np.allclose(got["factor_return"], expected["factor_return"], rtol=1e-9, atol=1e-12), factor
    # the compounding order differs (a product against exp of a sum): ties at 1e-10 may part at a
    # hundred-billionth, which moves a percentile rank by one value in several thousand at most
    assert (got["factor_return_pctrank_to_date"] - expected["pctrank"]).abs().max() < 1e-3, factor
    assert (pd.to_datetime(got["first_return_date"]) == expected["first_return_date"]).all(), factor
    months = got.index.get_level_values("date").to_period("M")
    assert (pd.to_datetime(got["published_in_month"]) == (months + 1).to_timestamp()).all()
    assert (pd.to_datetime(got["known_at"]) == (months + 2).to_timestamp()).all()


def test_a_library_file_ends_on_the_last_trading_day_of_its_crsp_month(snapshot_dir):
    """The rule behind known_at: a file built from the CRSP database of month M holds data through
    M (so M's values were first published after M, in M + 1)."""
    checked = 0
    for name in set(FACTOR_FILES.values()):
        path = snapshot_dir / "french" / name
        header = re.search(r"created by using the (\d{6}) CRSP database", path.read_text())
        if header is None:
            continue  # the snapshot's three-factor file has no description lines
        last = read_library_file(path).index.max()
        assert last.strftime("%Y%m") == header.group(1), (name, last, header.group(1))
        assert last == pd.bdate_range(last, last + pd.offsets.MonthEnd(0))[0] or last.day >= 25
        checked += 1
    assert checked == 2, "the momentum and five-factor files carry their CRSP month"


def test_momentum_10_days_to_july_19_2024_as_the_docs_say(answers, snapshot_dir):  # noqa: F811
    got = answers["momentum-unwind"].set_index("factor")
    assert sorted(got.index) == ["Mom", "RMW", "SMB"]
    day = pd.Timestamp("2024-07-19")
    for factor, row in got.iterrows():
        daily = read_library_file(snapshot_dir / "french" / FACTOR_FILES[factor])[factor] / 100
        daily = daily[daily.index >= pd.Timestamp("1980-01-01")]  # the snapshot's default start date
        ten = np.expm1(np.log1p(daily).rolling(10).sum())
        assert row["return_10d_pct"] == pytest.approx(round(ten[day] * 100, 2), abs=1e-9), factor
        so_far = ten[ten.index <= day].dropna().round(10)
        pctrank = (so_far <= so_far.iloc[-1]).mean()
        assert row["pctrank_to_date"] == pytest.approx(round(pctrank, 4), abs=1e-9), factor
        assert str(row["first_return_date"]) == str(daily.index[daily.index <= day][-10].date()), factor
        assert str(row["known_at"]) == "2024-09-01", factor
    assert got.loc["Mom", "return_10d_pct"] < 0 and got.loc["Mom", "pctrank_to_date"] < 0.2  # the unwind


def test_vxn_percentile_on_july_24_2024_as_the_docs_say(answers, snapshot_dir):  # noqa: F811
    got = answers["vxn-percentile"].set_index("series")
    for symbol in ("^VIX", "^VXN"):
        close = read_yahoo_csv(snapshot_dir, symbol).set_index("Date")["Close"].astype(float)
        so_far = close[close.index <= pd.Timestamp("2024-07-24")]
        assert got.loc[symbol, "level"] == pytest.approx(round(so_far.iloc[-1], 2), abs=1e-9)
        assert got.loc[symbol, "change_5d"] == pytest.approx(
            round(so_far.iloc[-1] - so_far.iloc[-6], 2), abs=1e-9
        )
        assert got.loc[symbol, "pctrank_to_date"] == pytest.approx(
            round((so_far <= so_far.iloc[-1]).mean(), 3), abs=1e-9
        )
        change = (so_far - so_far.shift(5)).dropna()
        assert got.loc[symbol, "change_5d_pctrank_to_date"] == pytest.approx(
            round((change <= change.iloc[-1]).mean(), 3), abs=1e-9
        )


@pytest.mark.parametrize("symbol", ["^VIX", "^VXN"])
def test_implied_volatility_equals_pandas(snapshot_warehouse, snapshot_dir, symbol):
    settings, _ = snapshot_warehouse
    got = mart(settings, f"select * from marts.implied_volatility where series = '{symbol}' order by date")
    got = got.set_index(pd.to_datetime(got["date"]))
    close = read_yahoo_csv(snapshot_dir, symbol).set_index("Date")["Close"].astype(float).sort_index()
    close = close[close.index >= pd.Timestamp(settings.start_date)]
    assert got.index.equals(close.index), f"{symbol}: dates differ from the Yahoo file's closes"
    assert np.allclose(got["level"], close)
    for n in (1, 5, 21):
        expected = close - close.shift(n)
        both = expected.notna()
        assert (got[f"change_{n}d"].isna() == ~both).all(), (symbol, n)
        assert np.allclose(got.loc[both, f"change_{n}d"], expected[both]), (symbol, n)
    assert np.allclose(got["level_pctrank_to_date"], cume_dist_so_far(close))
    change = (close - close.shift(5)).dropna()
    assert np.allclose(got.loc[change.index, "change_5d_pctrank_to_date"], cume_dist_so_far(change))


def test_no_rvx_in_the_snapshot_so_no_rvx_rows_and_no_spread(snapshot_warehouse, snapshot_dir):
    settings, _ = snapshot_warehouse
    assert not (snapshot_dir / "yahoo" / "^RVX.csv").exists(), "the snapshot gained ^RVX: test the spread"
    counts = mart(
        settings, "select series, count(*) as n from marts.implied_volatility group by series order by series"
    )
    assert list(counts["series"]) == ["^VIX", "^VXN"]


def test_event_calendar_on_the_snapshot(snapshot_warehouse, snapshot_dir):
    settings, _ = snapshot_warehouse
    events = mart(settings, "select * from marts.event_calendar")
    events["event_date"] = pd.to_datetime(events["event_date"])
    cpi = events[events["event_type"] == "cpi_release"].set_index("event_date")
    assert pd.Timestamp("2024-07-11") in cpi.index
    assert pd.Timestamp(cpi.loc[pd.Timestamp("2024-07-11"), "reference_date"]) == pd.Timestamp("2024-06-01")
    assert cpi.loc[pd.Timestamp("2024-07-11"), "event_at"] == pd.Timestamp(
        "2024-07-11 08:30", tz="America/New_York"
    )
    fomc = pd.read_csv(SEEDS / "fomc_meetings.csv", parse_dates=["meeting_date"])
    assert sorted(events.loc[events["event_type"] == "fomc_decision", "event_date"]) == sorted(
        fomc["meeting_date"]
    )
    # one CFTC release per report date the files hold, but for the reports released in the 2018-19
    # shutdown (2018-12-22..2019-01-25) and its 45-day catch-up: their release time is unknown
    reports = read_reports(snapshot_dir)["report_date"].drop_duplicates().sort_values()
    friday = reports + pd.to_timedelta(4 - reports.dt.dayofweek, unit="D")
    unknown = friday.between(pd.Timestamp("2018-12-22"), pd.Timestamp("2019-01-25") + pd.Timedelta(days=45))
    assert 5 < unknown.sum() < 15, reports[unknown]
    reports = reports[~unknown]
    cftc = events[events["event_type"] == "cftc_tff_release"].copy()
    cftc["reference_date"] = pd.to_datetime(cftc["reference_date"])
    assert sorted(cftc["reference_date"]) == list(reports)
    lag = (cftc["event_date"] - cftc["reference_date"]).dt.days
    assert lag.between(3, 7).all() and (cftc["event_date"].dt.dayofweek < 5).all()
    assert (lag == 3).mean() > 0.85  # Friday, but for holiday weeks
    by_report = cftc.set_index("reference_date")["event_date"]
    assert by_report[pd.Timestamp("2024-07-16")] == pd.Timestamp("2024-07-19")
    assert by_report[pd.Timestamp("2024-07-02")] == pd.Timestamp("2024-07-08")  # Independence Day week
    at = cftc.set_index("reference_date")["event_at"]
    assert at[pd.Timestamp("2024-07-16")] == pd.Timestamp("2024-07-19 15:30", tz="America/New_York")
