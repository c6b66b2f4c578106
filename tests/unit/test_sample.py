"""The synthetic sample generator: determinism, file format, calendar, OHLC sanity and market realism.

Every number here is computed from the generated frames or files with plain pandas, independently of
the generator's internals.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingestion.calendar import nyse_trading_days
from ingestion.sample import (
    SAMPLE_END,
    SAMPLE_SEED,
    SAMPLE_START,
    YAHOO_COLUMNS,
    SampleWorld,
    build_world,
    land_sample_prices,
    render_yahoo_csv,
    sample_prices,
)
from ingestion.universe import Instrument, load_universe

INDICES = ("^GSPC", "^RUT", "^NDX")
ETFS_WITH_DIVIDENDS = ("IWM", "IJR", "IJK", "SPY", "IWB", "RSP", "QQQ", "HYG", "IEF")
FUTURES = ("RTY=F", "ES=F", "NQ=F", "HG=F", "GC=F", "ZQ=F", "SR3=F", "ZT=F", "2YY=F")


@pytest.fixture(scope="module")
def universe() -> list[Instrument]:
    return load_universe()


@pytest.fixture(scope="module")
def world() -> SampleWorld:
    return build_world()


@pytest.fixture(scope="module")
def frames(world: SampleWorld, universe: list[Instrument]) -> dict[str, pd.DataFrame]:
    return sample_prices(world, universe)


@pytest.fixture(scope="module")
def closes(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return pd.DataFrame({symbol: frame["Close"] for symbol, frame in frames.items()})


def log_returns(series: pd.Series) -> pd.Series:
    return np.log(series).diff().dropna()


def spread(closes: pd.DataFrame, days: int) -> pd.Series:
    """N-day simple return of ^RUT minus that of ^GSPC, by end date."""
    return (closes["^RUT"].pct_change(days) - closes["^GSPC"].pct_change(days)).dropna()


def top_episodes(values: pd.Series, count: int, gap: int) -> list[pd.Timestamp]:
    """End dates of the largest values, at least ``gap`` rows apart (one per episode)."""
    chosen: list[int] = []
    for position in np.argsort(-values.to_numpy(), kind="stable"):
        if all(abs(int(position) - c) > gap for c in chosen):
            chosen.append(int(position))
        if len(chosen) == count:
            break
    return [values.index[p] for p in chosen]


# --- determinism, files and API ------------------------------------------------------------------


def test_generation_is_byte_for_byte_deterministic(tmp_path: Path, universe: list[Instrument]) -> None:
    started = time.perf_counter()
    first = land_sample_prices(universe, tmp_path / "a")
    elapsed = time.perf_counter() - started
    print(f"\nsample generation + landing of {len(universe)} symbols: {elapsed:.2f}s")
    second = land_sample_prices(universe, tmp_path / "b")
    assert len(first.files) == len(second.files) == len(universe)
    for a, b in zip(first.files, second.files, strict=True):
        assert a.symbols == b.symbols
        assert a.path.read_bytes() == b.path.read_bytes(), a.symbols
        assert a.path.relative_to(tmp_path / "a") == b.path.relative_to(tmp_path / "b")


def test_landing_batch(tmp_path: Path, universe: list[Instrument]) -> None:
    batch = land_sample_prices(universe, tmp_path, seed=SAMPLE_SEED)
    symbols = tuple(inst.symbol for inst in universe)
    assert (batch.system, batch.mode, batch.synthetic) == ("yahoo", "sample", True)
    assert batch.requested == symbols
    assert batch.missing == []
    assert batch.notes == [f"synthetic sample data (seed {SAMPLE_SEED}): not market data"]
    for landed, symbol in zip(batch.files, symbols, strict=True):
        assert landed.symbols == (symbol,)
        assert landed.captured_at == batch.files[0].captured_at is not None
        assert landed.path.name == f"{symbol}.csv"
        assert landed.path.parent.parent == tmp_path / "yahoo" / "sample"
    # Landing the same bytes again is a no-op at the same paths.
    again = land_sample_prices(universe, tmp_path)
    assert [f.path for f in again.files] == [f.path for f in batch.files]


def test_other_seed_gives_other_data(universe: list[Instrument], world: SampleWorld) -> None:
    other = build_world(seed=SAMPLE_SEED + 1)
    assert other.seed == SAMPLE_SEED + 1
    assert not np.allclose(other.factors["size"], world.factors["size"])
    a = sample_prices(world, universe[:1])["^RUT"]
    b = sample_prices(other, universe[:1])["^RUT"]
    assert a["Close"].iloc[0] == b["Close"].iloc[0]  # both start at the anchored level
    assert not a["Close"].equals(b["Close"])


def test_symbols_do_not_depend_on_universe_order(
    world: SampleWorld, universe: list[Instrument], frames: dict[str, pd.DataFrame]
) -> None:
    reversed_frames = sample_prices(world, list(reversed(universe)))
    for symbol, frame in frames.items():
        pd.testing.assert_frame_equal(frame, reversed_frames[symbol])


def test_yahoo_csv_dialect(frames: dict[str, pd.DataFrame]) -> None:
    text = render_yahoo_csv("IWM", frames["IWM"]).decode("ascii")
    lines = text.split("\n")
    assert lines[:3] == [
        "Price,Adj Close,Close,High,Low,Open,Volume",
        "Ticker,IWM,IWM,IWM,IWM,IWM,IWM",
        "Date,,,,,,",
    ]
    assert lines[3].startswith("2000-05-26,")
    assert text.endswith("\n") and "\r" not in text
    assert len(lines) == 3 + len(frames["IWM"]) + 1
    assert all("e" not in line.split(",", 1)[1] for line in lines[3:-1])  # no scientific notation
    assert all(line.count(",") == 6 for line in lines[:-1])


@pytest.mark.parametrize("symbol", ["IWM", "^RUT", "NVDA", "ZT=F", "^IRX", "^VIX"])
def test_csv_reads_back_to_the_same_numbers(symbol: str, frames: dict[str, pd.DataFrame]) -> None:
    content = render_yahoo_csv(symbol, frames[symbol])
    back = pd.read_csv(io.BytesIO(content), skiprows=[1, 2], index_col=0, parse_dates=True)
    assert list(back.columns) == list(YAHOO_COLUMNS)
    expected = frames[symbol]
    assert (back.index == expected.index).all()
    for column in YAHOO_COLUMNS:
        assert (back[column].to_numpy() == expected[column].to_numpy()).all(), column


def test_render_rejects_a_frame_without_yahoo_columns() -> None:
    frame = pd.DataFrame({"Close": [1.0]}, index=pd.DatetimeIndex(["2024-01-02"]))
    with pytest.raises(ValueError, match="XYZ: frame lacks columns"):
        render_yahoo_csv("XYZ", frame)


def test_unknown_instruments(world: SampleWorld) -> None:
    sector = Instrument("XLK", "Tech sector ETF", "large_cap_tech", "etf", "price", dt.date(2010, 1, 4))
    frame = sample_prices(world, [sector])["XLK"]
    assert frame.index[0] == pd.Timestamp("2010-01-04")
    assert (frame["Close"] > 0).all() and (frame["Adj Close"] <= frame["Close"]).all()
    rate = Instrument("ZF=F", "5-Year Note futures", "rates", "rate_future", "price", dt.date(2000, 1, 3))
    with pytest.raises(ValueError, match="'ZF=F'"):
        sample_prices(world, [rate])


# --- calendar ------------------------------------------------------------------------------------


def test_world_is_on_nyse_trading_days(world: SampleWorld) -> None:
    days = nyse_trading_days(SAMPLE_START, SAMPLE_END)
    assert world.dates.equals(days)
    assert world.dates[0] == pd.Timestamp("2000-01-03") and world.dates[-1] == pd.Timestamp("2024-12-31")
    for series in (world.short_rate, world.two_year_yield, world.three_month_yield, world.ten_year_yield):
        assert series.index.equals(days)
        assert series.notna().all()
    assert {"market", "size", "tech", "rates"} <= set(world.factors.columns)
    assert world.factors.index.equals(days)
    assert (world.factors.iloc[0] == 0).all()
    assert world.factors.notna().all().all()


def test_each_symbol_starts_at_its_first_date_and_has_every_trading_day(
    frames: dict[str, pd.DataFrame], universe: list[Instrument]
) -> None:
    days = nyse_trading_days(SAMPLE_START, SAMPLE_END)
    for inst in universe:
        frame = frames[inst.symbol]
        start = max(SAMPLE_START, inst.first_date)
        expected = days[days >= pd.Timestamp(start)]
        assert frame.index.equals(expected.rename("Date")), inst.symbol
        assert list(frame.columns) == list(YAHOO_COLUMNS)
        assert frame.notna().all().all(), inst.symbol
    assert frames["IWM"].index[0] == pd.Timestamp("2000-05-26")
    assert frames["SR3=F"].index[0] == pd.Timestamp("2018-05-07")
    assert frames["2YY=F"].index[0] == pd.Timestamp("2021-08-13")
    assert frames["META"].index[0] == pd.Timestamp("2012-05-18")
    assert frames["^GSPC"].index[0] == pd.Timestamp("2000-01-03")


# --- bar sanity ----------------------------------------------------------------------------------


def test_ohlc_consistency_and_positivity(frames: dict[str, pd.DataFrame], universe: list[Instrument]) -> None:
    for inst in universe:
        f = frames[inst.symbol]
        low_side = np.minimum(f["Open"], f["Close"])
        high_side = np.maximum(f["Open"], f["Close"])
        assert (f["Low"] <= low_side).all(), inst.symbol
        assert (high_side <= f["High"]).all(), inst.symbol
        assert (f["High"] > f["Low"]).mean() > 0.9, inst.symbol  # real bars have a range
        if inst.quote_type == "price":
            assert (f[["Open", "High", "Low", "Close", "Adj Close"]] > 0).all().all(), inst.symbol
            assert log_returns(f["Close"]).abs().max() < math.log(3), inst.symbol
            assert log_returns(f["Adj Close"]).abs().max() < math.log(3), inst.symbol
            assert (f["High"] / f["Low"]).max() < 3, inst.symbol
        else:
            assert (f[["Open", "High", "Low", "Close"]] >= 0).all().all(), (
                inst.symbol
            )  # no negative yields here


def test_volume(frames: dict[str, pd.DataFrame], universe: list[Instrument]) -> None:
    for inst in universe:
        volume = frames[inst.symbol]["Volume"]
        assert volume.dtype == np.int64, inst.symbol
        if inst.symbol == "^IRX" or inst.asset_class == "volatility_index":  # Yahoo: no volume
            assert (volume == 0).all(), inst.symbol
        elif inst.asset_class == "equity_index":
            assert volume.min() > 10_000_000, inst.symbol
        else:
            assert (volume > 0).all(), inst.symbol


def test_adjusted_close(frames: dict[str, pd.DataFrame], universe: list[Instrument]) -> None:
    for symbol in ETFS_WITH_DIVIDENDS:
        f = frames[symbol]
        assert f["Adj Close"].iloc[0] < f["Close"].iloc[0], symbol
        assert f["Adj Close"].iloc[-1] == f["Close"].iloc[-1], symbol
        ratio = f["Adj Close"] / f["Close"]
        assert (ratio.diff().dropna() >= -1e-6).all(), symbol  # factor only grows toward 1
    # SPY paid ~1.8% a year for 25 years: its 2000 Adj Close is roughly 60-70% of Close.
    spy = frames["SPY"]
    assert 0.55 < spy["Adj Close"].iloc[0] / spy["Close"].iloc[0] < 0.75
    for inst in universe:
        if inst.asset_class in ("equity_index", "index_future", "rate_future", "rate", "volatility_index"):
            f = frames[inst.symbol]
            assert (f["Adj Close"] == f["Close"]).all(), inst.symbol


# --- levels and tracking -------------------------------------------------------------------------


def test_start_levels(closes: pd.DataFrame) -> None:
    first = closes.loc["2000-01-03"]
    assert first["^GSPC"] == pytest.approx(1455, rel=0.01)
    assert first["^NDX"] == pytest.approx(3790, rel=0.01)
    assert first["^RUT"] == pytest.approx(497, rel=0.01)
    assert first["^VIX"] == pytest.approx(24, rel=0.15)


def test_etfs_and_futures_track_their_index(closes: pd.DataFrame) -> None:
    for etf, index, ratio in (("IWM", "^RUT", 10), ("SPY", "^GSPC", 10), ("QQQ", "^NDX", 40)):
        relative = (closes[etf] * ratio / closes[index]).dropna()
        assert relative.between(0.9, 1.05).all(), etf
        assert log_returns(closes[etf]).corr(log_returns(closes[index])) > 0.99, etf
    for future, index in (("ES=F", "^GSPC"), ("NQ=F", "^NDX"), ("RTY=F", "^RUT")):
        relative = (closes[future] / closes[index]).dropna()
        assert relative.between(0.97, 1.03).all(), future


def test_futures_roll_jumps(closes: pd.DataFrame) -> None:
    # ES=F over ^GSPC changes by the carry of a whole quarter on roll days, barely otherwise.
    basis = np.log(closes["ES=F"] / closes["^GSPC"]).dropna()
    moves = basis.diff().abs().dropna()
    in_window = (moves.index.month % 3 == 0) & (moves.index.day >= 7) & (moves.index.day <= 14)
    window_max = moves[in_window].groupby([moves.index[in_window].year, moves.index[in_window].month]).max()
    assert len(window_max) >= 95  # one roll a quarter since 2000-09
    assert (window_max > 5 * moves.median()).mean() > 0.75
    assert moves[~in_window].quantile(0.99) < window_max.median()
    # ZQ=F jumps to the next month's contract on the first trading day of a month.
    zq = closes["ZQ=F"].dropna().diff().abs().dropna()
    month_start = zq.index.month != pd.Series(zq.index).shift(1).dt.month.to_numpy()
    assert zq[month_start].mean() > 3 * zq[~month_start].mean()


def test_vix_behaves_like_an_implied_volatility_index(
    frames: dict[str, pd.DataFrame], closes: pd.DataFrame
) -> None:
    vix = frames["^VIX"]
    assert (vix["Low"] > 9).all()
    assert 50 < vix["Close"].max() < 95
    assert 13 < vix["Close"].median() < 25
    assert vix["Close"].loc["2008-10":"2008-11"].mean() > 2 * vix["Close"].loc["2017"].mean()
    assert vix["Close"].loc["2020-03"].max() > 55
    returns = log_returns(closes["^GSPC"])
    assert log_returns(vix["Close"]).corr(returns) < -0.5  # spikes when the market falls


def test_nasdaq_and_russell_volatility_indices_sit_above_vix_and_follow_their_index(
    frames: dict[str, pd.DataFrame], closes: pd.DataFrame
) -> None:
    """^VXN (Nasdaq-100) and ^RVX (Russell 2000) as Cboe publishes them: above ^VIX most days
    (their indices are more volatile: real medians about 23 and 23-25 against ^VIX's 17-19, lows
    near 10.5 and 12.5), moving with ^VIX (daily log changes correlated about 0.8), falling when their own index rises."""
    vix = closes["^VIX"]
    for symbol, index, floor in (("^VXN", "^NDX", 10.0), ("^RVX", "^RUT", 12.0)):
        level = closes[symbol].dropna()
        assert (frames[symbol]["Low"].dropna() > floor).all(), symbol
        assert (level > vix.reindex(level.index)).mean() > 0.75, symbol
        assert 1.05 < level.median() / vix.reindex(level.index).median() < 1.6, symbol
        assert 16 < level.median() < 32, symbol
        assert level.loc["2008-10":"2008-11"].max() > 50, symbol
        assert log_returns(level).corr(log_returns(vix.reindex(level.index))) > 0.7, symbol
        assert log_returns(level).corr(log_returns(closes[index].reindex(level.index))) < -0.4, symbol
    assert closes["^RVX"].first_valid_index() == pd.Timestamp("2004-01-02")  # Cboe's RVX history starts 2004


def test_rate_sensitive_instruments(world: SampleWorld, closes: pd.DataFrame) -> None:
    d2y = world.two_year_yield.diff()
    d10y = world.ten_year_yield.diff()
    assert log_returns(closes["IEF"]).corr(d10y) < -0.9
    assert log_returns(closes["IEF"]).corr(d2y) < -0.5
    zt = closes["ZT=F"].dropna()
    assert zt.between(98, 112).all()
    assert zt.diff().corr(d2y) < -0.8
    assert log_returns(closes["HYG"]).corr(log_returns(closes["^GSPC"])) > 0.3
    assert log_returns(closes["HYG"]).std() < 0.5 * log_returns(closes["^GSPC"]).std()


def test_rate_futures_and_yields_match_the_world(world: SampleWorld, closes: pd.DataFrame) -> None:
    zq_rate = 100 - closes["ZQ=F"]
    assert (zq_rate - world.short_rate).abs().median() < 0.05
    assert (zq_rate - world.short_rate).abs().max() < 1.5  # only in months of (big) cuts
    sr3_rate = (100 - closes["SR3=F"]).dropna()
    assert (sr3_rate - world.three_month_yield.reindex(sr3_rate.index)).abs().max() < 0.15
    yy = closes["2YY=F"].dropna()
    assert (yy - world.two_year_yield.reindex(yy.index)).abs().max() < 0.06
    assert (closes["^IRX"] == world.three_month_yield).all()


# --- rates ---------------------------------------------------------------------------------------


def test_fed_path_by_year(world: SampleWorld) -> None:
    fed = world.short_rate
    assert fed.loc["2000-06":"2000-12"].between(6.2, 6.8).all()
    assert fed.loc["2003-07":"2004-05"].between(0.85, 1.15).all()
    assert fed.loc["2006-07":"2007-08"].between(5.0, 5.5).all()
    assert fed.loc["2009":"2015-11"].between(0.0, 0.25).all()
    assert fed.loc["2019-01":"2019-07"].between(2.2, 2.6).all()
    assert fed.loc["2020-04":"2021-12"].between(0.0, 0.15).all()
    assert fed.loc["2023-08":"2024-09-17"].between(5.2, 5.45).all()
    assert fed.loc["2024-12-20":].between(4.2, 4.45).all()
    floor_moves = fed.diff().abs().loc["2009":"2015-11"]
    assert floor_moves.max() < 0.08 and floor_moves.quantile(0.99) < 0.03  # small daily noise


def test_yields_by_year(world: SampleWorld) -> None:
    two = world.two_year_yield.groupby(world.dates.year).mean()
    assert 5.5 < two[2000] < 7.0
    assert 1.0 < two[2003] < 2.5
    assert 4.3 < two[2006] < 5.5
    assert 0.1 < two[2013] < 0.8
    assert 0.1 < two[2021] < 0.9
    assert 4.0 < two[2023] < 5.3
    assert world.two_year_yield.min() > 0.05
    bill = world.three_month_yield
    assert bill.min() >= 0 and bill.loc["2010":"2014"].max() < 0.3
    assert (bill - world.short_rate).abs().loc["2010":].median() < 0.15
    daily_bp = world.two_year_yield.diff().dropna() * 100
    assert 2 < daily_bp.std() < 10  # "a few bp"
    assert daily_bp.kurt() > 3  # fat-tailed
    assert world.ten_year_yield.between(0.4, 7.5).all()


def test_july_2024_rotation(world: SampleWorld, closes: pd.DataFrame) -> None:
    five_day = spread(closes, 5).loc["2024-07-16"]
    print(f"\nJuly 2024: ^RUT - ^GSPC over 5 days to 2024-07-16 = {five_day:+.2%}")
    assert 0.09 <= five_day <= 0.12
    assert closes["^NDX"].pct_change(5).loc["2024-07-16"] < 0
    two_year = world.two_year_yield
    change = two_year.loc["2024-07-16"] - two_year.loc["2024-07-09"]
    assert -0.30 <= change <= -0.20
    iwm_vs_spy = closes["IWM"].pct_change(5) - closes["SPY"].pct_change(5)
    assert iwm_vs_spy.loc["2024-07-16"] == pytest.approx(five_day, abs=0.01)


def test_november_2016_rotation(world: SampleWorld, closes: pd.DataFrame) -> None:
    ten_day = spread(closes, 10).loc["2016-11-22"]
    print(f"\nNov 2016: ^RUT - ^GSPC over 10 days to 2016-11-22 = {ten_day:+.2%}")
    assert 0.07 <= ten_day <= 0.10
    assert world.two_year_yield.loc["2016-11-22"] > world.two_year_yield.loc["2016-11-08"]  # reflation


def test_scripted_rotations_are_the_largest_in_history(closes: pd.DataFrame) -> None:
    episodes = top_episodes(spread(closes, 5), count=3, gap=10)
    print("\nlargest 5-day ^RUT - ^GSPC episodes:", [f"{d:%Y-%m-%d}" for d in episodes])
    assert pd.Timestamp("2024-07-11") <= episodes[0] <= pd.Timestamp("2024-07-19")
    assert any(pd.Timestamp("2016-11-09") <= d <= pd.Timestamp("2016-11-23") for d in episodes)


# --- statistical realism -------------------------------------------------------------------------


def test_correlation_structure(world: SampleWorld, closes: pd.DataFrame) -> None:
    r = {s: log_returns(closes[s]) for s in ("^GSPC", "^RUT", "^NDX", "IWM")}
    assert r["IWM"].corr(r["^RUT"]) > 0.95
    assert 0.6 < r["^RUT"].corr(r["^GSPC"]) < 0.95
    assert 0.6 < r["^NDX"].corr(r["^GSPC"]) < 0.95
    size, d2y = world.factors["size"], world.two_year_yield.diff()
    recent = slice("2023-07-01", None)
    assert size.loc[recent].corr(d2y.loc[recent]) < -0.25
    assert size.loc[recent].corr(d2y.loc[recent]) < size.loc[:"2021"].corr(d2y.loc[:"2021"])
    # The rate sensitivity shows in the indices too: ^RUT minus ^GSPC against 2-year changes.
    relative = (r["^RUT"] - r["^GSPC"]).loc[recent]
    assert relative.corr(d2y.loc[recent]) < -0.2


def test_fat_tails_and_volatility_clustering(closes: pd.DataFrame) -> None:
    returns = log_returns(closes["^GSPC"])
    assert returns.kurt() > 5
    assert returns.abs().autocorr(1) > 0.15
    assert returns.loc["2008-10"].std() > 3 * returns.loc["2017"].std()
    assert returns.loc["2020-03"].std() > 3 * returns.loc["2019"].std()
    assert 0.14 < returns.std() * math.sqrt(252) < 0.25


def test_segment_betas(world: SampleWorld, closes: pd.DataFrame) -> None:
    factors = world.factors

    def betas(symbol: str) -> dict[str, float]:
        y = log_returns(closes[symbol])
        x = factors.loc[y.index, ["market", "size", "tech"]]
        coef, *_ = np.linalg.lstsq(np.column_stack([x.to_numpy(), np.ones(len(x))]), y.to_numpy(), rcond=None)
        return dict(zip(["market", "size", "tech"], coef[:3], strict=True))

    assert betas("IJR")["size"] > 0.6
    for mega in ("NVDA", "MSFT", "AAPL", "GOOGL", "AMZN", "META"):
        assert betas(mega)["tech"] > 0.4, mega
        assert log_returns(closes[mega]).std() > 1.3 * log_returns(closes["^GSPC"]).std(), mega
    assert betas("QQQ")["tech"] > 0.8
    assert abs(betas("SPY")["size"]) < 0.1


def test_dataclass_fields() -> None:
    names = {f.name for f in dataclasses.fields(SampleWorld)}
    assert {"dates", "factors", "short_rate", "two_year_yield", "three_month_yield"} <= names


def test_the_sample_has_no_partial_bars(tmp_path: Path, universe: list[Instrument]) -> None:
    """Sample files count as captured after the last session of their last day ended."""
    from ingestion.yahoo_batch import parse_batch

    batch = land_sample_prices(universe, tmp_path / "landing")
    frame, notes = parse_batch(batch, dt.date(2024, 1, 1), home=tmp_path)
    assert set(frame["symbol"]) == {i.symbol for i in universe}
    assert not frame["is_partial"].any()
    assert not [n for n in notes if "partial" in n]
