"""Acceptance: front_end_rates and rate_sensitivity on the real snapshot against independent pandas.

Expectations are computed here from the snapshot CSV files with plain pandas (rolling correlation
and covariance over the same aligned dates), not with the project's parsers or SQL.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.acceptance.conftest import read_yahoo_csv
from tests.acceptance.test_snapshot_relative_performance import read_basis

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

WINDOWS = [10, 21, 63, 126, 252]
SINGLE = ["^RUT", "^GSPC", "^NDX", "IWM", "SPY", "QQQ"]
RELATIVE = {"^RUT-^GSPC": ("^RUT", "^GSPC"), "^RUT-^NDX": ("^RUT", "^NDX")}
# The documented rule of an informative window (var rate_sensitivity_min_move_share, default 0.5):
# at least ceil(0.5 x window_days) of its dates carry a non-zero rate change.
MIN_MOVE_SHARE = 0.5
# Continuous front-month futures used as rate series: symbol, and whether the rate is 100 - price.
# Both roll monthly (reference.instruments): the first trading day of a month is a contract switch.
FUTURES = {"2YY=F": ("2YY=F", False), "ZQ=F_IMPLIED": ("ZQ=F", True)}


def read_fred(snapshot_dir, series: str) -> pd.Series:
    df = pd.read_csv(snapshot_dir / "fred" / f"{series}.csv")
    values = pd.to_numeric(df.iloc[:, 1], errors="coerce")
    s = pd.Series(values.values, index=pd.to_datetime(df.iloc[:, 0]), name=series).dropna()
    return s[s.index >= "1980-01-01"]


def one_step(levels: pd.Series, kind: str) -> pd.DataFrame:
    """Per date: the move since the previous date that has a value, and that previous date."""
    out = pd.DataFrame({"date": levels.index, "previous_date": levels.index.to_series().shift().values})
    if kind == "return":
        out["move"] = (levels / levels.shift() - 1).values
    else:
        out["move"] = (levels.diff() * 100).values
    return out.dropna()


def rate_levels(snapshot_dir, rate: str) -> pd.Series:
    """FRED series from fred/, Yahoo yield quotes (no futures rolls) from yahoo/."""
    return read_basis(snapshot_dir, rate) if rate.startswith("^") else read_fred(snapshot_dir, rate)


def futures_bars(snapshot_dir, symbol: str) -> pd.DataFrame:
    """A futures file's bars by date with ``stale``: volume 0 and the previous bar's close (the
    issue's definition of a frozen quote), and ``roll``: the first bar of a month."""
    df = read_yahoo_csv(snapshot_dir, symbol).sort_values("Date").reset_index(drop=True)
    close = df["Close"].astype(float)
    dates = df["Date"]
    return pd.DataFrame(
        {
            "date": dates,
            "previous_date": dates.shift(),
            "close": close,
            "stale": close.eq(close.shift()) & df["Volume"].astype(float).eq(0),
            "roll": dates.dt.month.ne(dates.shift().dt.month) & dates.shift().notna(),
        }
    )


def futures_changes(snapshot_dir, rate: str) -> pd.DataFrame:
    """Per bar of a futures rate: the one-bar change in bp since the previous bar, missing (NaN) on a
    stale bar and on the bar after one (that move spans the stale run); roll days left out."""
    symbol, implied = FUTURES[rate]
    bars = futures_bars(snapshot_dir, symbol)
    level = 100 - bars["close"] if implied else bars["close"]
    move = level.diff() * 100
    missing = bars["stale"] | bars["stale"].shift(fill_value=False)
    out = bars.assign(move=move.mask(missing))
    out = out[out["previous_date"].notna() & ~out["roll"]]
    return out[["date", "previous_date", "move"]].reset_index(drop=True)


def expected_sensitivity(snapshot_dir, rate: str) -> pd.DataFrame:
    if rate in FUTURES:
        rates = futures_changes(snapshot_dir, rate)
    else:
        rates = one_step(rate_levels(snapshot_dir, rate), "change")
    returns = {s: one_step(read_basis(snapshot_dir, s), "return") for s in SINGLE}
    series = dict(returns)
    for name, (num, den) in RELATIVE.items():
        both = returns[num].merge(returns[den], on=["date", "previous_date"], suffixes=("_n", "_d"))
        series[name] = both.assign(move=both["move_n"] - both["move_d"])[["date", "previous_date", "move"]]
    frames = []
    for name in [*SINGLE, *RELATIVE]:
        aligned = series[name].merge(rates, on=["date", "previous_date"], suffixes=("_ret", "_rate"))
        aligned = aligned.sort_values("date").reset_index(drop=True)
        x = aligned["move_rate"]
        y = aligned["move_ret"].where(x.notna())  # a missing rate change leaves the pair out
        for n in WINDOWS:
            # pandas pairs the two series and skips missing values within a window
            corr = y.rolling(n, min_periods=2).corr(x)
            beta = y.rolling(n, min_periods=2).cov(x) / x.rolling(n, min_periods=2).var()
            observations = x.notna().rolling(n).sum()
            moves = x.abs().gt(0).rolling(n).sum()
            frame = pd.DataFrame(
                {
                    "date": aligned["date"],
                    "correlation": corr,
                    "beta": beta,
                    "observations": observations,
                    "rate_moves": moves,
                    "naive_correlation": corr,
                }
            )
            frame = frame.replace([np.inf, -np.inf], np.nan)
            # a window where either side did not move at all has no correlation or beta (pandas'
            # rolling moments leave float noise such as 0.0 there)
            flat = x.rolling(n, min_periods=1).max().eq(x.rolling(n, min_periods=1).min()) | y.rolling(
                n, min_periods=1
            ).max().eq(y.rolling(n, min_periods=1).min())
            frame.loc[flat, ["correlation", "beta", "naive_correlation"]] = np.nan
            # too few rate moves: not informative
            frame.loc[moves < math.ceil(MIN_MOVE_SHARE * n), ["correlation", "beta"]] = np.nan
            frame = frame.iloc[n - 1 :].assign(symbol=name, window_days=n)
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out[["correlation", "beta"]] = out[["correlation", "beta"]].replace([np.inf, -np.inf], np.nan)
    return out


@pytest.fixture(scope="module")
def serving(snapshot_warehouse):
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        yield con


@pytest.mark.parametrize("rate", ["DGS2", "DGS3MO", "^IRX", "2YY=F", "ZQ=F_IMPLIED"])
def test_rate_sensitivity_matches_independent_pandas_rolling(serving, snapshot_dir, rate):
    """Every rate series, futures included: stale quotes missing, windows with too few rate moves
    without a value, observations and rate_moves as counted here."""
    mart = serving.execute(
        "select date, symbol, window_days, observations, rate_moves, correlation, beta "
        "from marts.rate_sensitivity where rate_series = ?",
        [rate],
    ).df()
    mart["date"] = pd.to_datetime(mart["date"])
    expected = expected_sensitivity(snapshot_dir, rate)
    keys = ["date", "symbol", "window_days"]
    merged = expected.merge(mart, on=keys, how="outer", suffixes=("_exp", "_wh"), indicator=True)
    # The same aligned observations on both sides (partial bars left out by both)
    differ = merged[merged["_merge"] != "both"]
    assert differ.empty, differ[keys].head()
    merged = merged[merged["_merge"] == "both"]
    assert len(merged) > (150_000 if rate not in FUTURES else 30_000)
    for col in ["observations", "rate_moves"]:
        assert (merged[f"{col}_wh"].astype(int) == merged[f"{col}_exp"].astype(int)).all(), col
    # the rule for informative windows removes values that the plain rolling correlation has
    uninformative = merged["naive_correlation"].notna() & merged["correlation_exp"].isna()
    assert uninformative.any() and merged.loc[uninformative, "correlation_wh"].isna().all()
    for col in ["correlation", "beta"]:
        exp, wh = merged[f"{col}_exp"].astype(float), merged[f"{col}_wh"].astype(float)
        defined = exp.notna() & exp.abs().lt(1e300)
        assert wh[~defined].isna().all(), f"{col}: the warehouse has values where the window has no variance"
        np.testing.assert_allclose(wh[defined], exp[defined], rtol=1e-6, atol=1e-9, err_msg=col)


def test_sign_since_matches_an_independent_run_computation(serving, snapshot_dir):
    """Runs of same-sign correlation computed from the pandas correlations, not the mart's signs."""
    mart = serving.execute(
        "select date, symbol, window_days, sign_since from marts.rate_sensitivity where rate_series = 'DGS2'"
    ).df()
    mart["date"] = pd.to_datetime(mart["date"])
    expected = expected_sensitivity(snapshot_dir, "DGS2").sort_values(["symbol", "window_days", "date"])
    expected = expected.reset_index(drop=True)
    sign = np.sign(expected["correlation"].fillna(0.0))
    group = [expected["symbol"], expected["window_days"]]
    run_id = sign.ne(sign.groupby(group).shift()).astype(int).groupby(group).cumsum()
    expected["sign_since"] = expected["date"].groupby([*group, run_id]).transform("min")
    merged = expected.merge(mart, on=["date", "symbol", "window_days"], suffixes=("_exp", "_wh"))
    assert len(merged) == len(mart)
    differ = merged[merged["sign_since_exp"] != pd.to_datetime(merged["sign_since_wh"])]
    assert differ.empty, differ.head()


def test_the_analyst_question_correlation_with_the_two_year_yield(serving, snapshot_dir):
    """'What is the 63-day correlation of the Russell 2000 with the 2-year yield, and since when has
    it been negative?' in one query, checked against pandas."""
    date, correlation, sign, since = serving.execute(
        """
        select date, correlation, correlation_sign, sign_since from marts.rate_sensitivity
        where symbol = '^RUT' and rate_series = 'DGS2' and window_days = 63
        order by date desc limit 1
        """
    ).fetchone()
    expected = expected_sensitivity(snapshot_dir, "DGS2")
    rut = expected[(expected["symbol"] == "^RUT") & (expected["window_days"] == 63)].set_index("date")
    assert correlation == pytest.approx(rut["correlation"].iloc[-1], rel=1e-6)
    assert pd.Timestamp(date) == rut.index[-1]
    signs = np.sign(rut["correlation"])
    assert sign == signs.iloc[-1]
    differing = signs[signs != signs.iloc[-1]]
    start = signs.index[0] if differing.empty else signs[signs.index > differing.index[-1]].index[0]
    assert pd.Timestamp(since) == start


def test_front_end_rates_values_and_changes_match_the_files(serving, snapshot_dir):
    mart = serving.execute(
        "select rate_series, date, value, change_bp from marts.front_end_rates where rate_series in ('DGS2', 'DFF')"
    ).df()
    mart["date"] = pd.to_datetime(mart["date"])
    for series in ["DGS2", "DFF"]:
        levels = read_fred(snapshot_dir, series)
        got = mart[mart["rate_series"] == series].set_index("date").sort_index()
        assert list(got.index) == list(levels.index), f"{series}: dates with a value, no more, no less"
        np.testing.assert_allclose(got["value"], levels.values)
        np.testing.assert_allclose(got["change_bp"].iloc[1:], (levels.diff() * 100).iloc[1:], atol=1e-9)
    # SOURCES.md: DGS2 on 2024-07-16 = 4.43
    dgs2 = mart[(mart["rate_series"] == "DGS2") & (mart["date"] == "2024-07-16")]["value"].item()
    assert dgs2 == pytest.approx(4.43)


@pytest.mark.parametrize(
    "symbol, reference",
    [("ZQ=F", None), ("ZT=F", None), ("2YY=F", "DGS2")],
)
def test_flagged_roll_days_carry_the_contract_switch_jumps(
    snapshot_warehouse, snapshot_dir, symbol, reference
):
    """Data, not the rule, decides: the days the warehouse flags as rolls must show jumps several
    times the ordinary daily move, and the other days must not (for 2YY=F, moves of its spread to
    the 2-year Treasury yield, which strip out the market's own move)."""
    path = snapshot_dir / "yahoo" / f"{symbol}.csv"
    close = pd.read_csv(path, usecols=["Date", "Close"])
    close = pd.Series(close["Close"].values, index=pd.to_datetime(close["Date"].str[:10]))
    if reference is not None:
        close = (close - read_fred(snapshot_dir, reference)).dropna()
    moves = close.diff().abs().iloc[1:]
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.build_db), read_only=True) as con:  # roll days are intermediate
        rolls = con.execute(
            "select date from intermediate.int_futures__roll_days where symbol = ? and is_roll_day", [symbol]
        ).df()
    # a move is across a roll when a flagged day lies in (previous date, date]
    roll_dates = np.sort(pd.to_datetime(rolls["date"]).values)
    ends = moves.index.values
    starts = close.index.values[:-1]
    flagged = np.searchsorted(roll_dates, ends, side="right") > np.searchsorted(
        roll_dates, starts, side="right"
    )
    assert flagged.sum() >= 10
    assert moves[flagged].mean() > 2.5 * moves[~flagged].mean(), (
        moves[flagged].mean(),
        moves[~flagged].mean(),
    )
    month_starts = moves.index.to_series().dt.month.ne(moves.index.to_series().shift().dt.month).values
    unflagged_starts = moves[month_starts & ~flagged]
    if len(unflagged_starts):
        assert unflagged_starts.mean() < 1.5 * moves[~flagged].mean()


def test_futures_implied_rate_is_100_minus_price_and_rolls_carry_no_change(serving, snapshot_dir):
    zq = serving.execute(
        "select date, value, change_bp, is_roll_day, is_stale from marts.front_end_rates "
        "where rate_series = 'ZQ=F_IMPLIED' order by date"
    ).df()
    zq["date"] = pd.to_datetime(zq["date"])
    price = pd.read_csv(snapshot_dir / "yahoo" / "ZQ=F.csv", usecols=["Date", "Close"])
    price = pd.Series(price["Close"].values, index=pd.to_datetime(price["Date"].str[:10]))
    np.testing.assert_allclose(zq.set_index("date")["value"], (100 - price).loc[zq["date"]].values)
    assert zq["is_roll_day"].sum() > 100
    assert zq.loc[zq["is_roll_day"], "change_bp"].isna().all()
    # the other missing changes: stale quotes and the bar after each (test above)
    stale_or_after = zq["is_stale"] | zq["is_stale"].shift(fill_value=False)
    assert zq.loc[~zq["is_roll_day"] & ~stale_or_after, "change_bp"].iloc[1:].notna().all()


@pytest.mark.parametrize("rate", list(FUTURES))
def test_stale_quotes_are_missing_observations_not_zero_changes(serving, snapshot_dir, rate):
    """front_end_rates flags exactly the files' stale bars (volume 0, close repeated) and has no
    change on them nor on the bar after one; every other change is the one-bar move."""
    symbol, implied = FUTURES[rate]
    bars = futures_bars(snapshot_dir, symbol).set_index("date")
    mart = serving.execute(
        "select date, value, change_bp, is_stale, is_roll_day from marts.front_end_rates "
        "where rate_series = ? order by date",
        [rate],
    ).df()
    mart["date"] = pd.to_datetime(mart["date"])
    mart = mart.set_index("date")
    assert list(mart.index) == list(bars.index)
    assert bars["stale"].any()
    assert (mart["is_stale"] == bars["stale"]).all(), mart.index[mart["is_stale"] != bars["stale"]][:5]
    level = 100 - bars["close"] if implied else bars["close"]
    move = level.diff() * 100
    missing = bars["stale"] | bars["stale"].shift(fill_value=False) | bars["roll"]
    assert mart.loc[missing, "change_bp"].isna().all()
    real = ~missing & bars["previous_date"].notna()
    np.testing.assert_allclose(mart.loc[real, "change_bp"], move[real], atol=1e-9)
    # the zero changes left are real ones (a trade at an unchanged price), fewer than the file's
    zero = mart["change_bp"].eq(0)
    assert zero.sum() == (move[real].abs() < 1e-9).sum() < (move.abs() < 1e-9).sum()


def stale_runs_in_files(snapshot_dir) -> list[str]:
    """Runs of stale bars per futures file of the rate gate, "SYMBOL first..last: N bar(s)"."""
    runs = []
    for symbol in sorted(["ZQ=F", "ZT=F", "2YY=F"]):
        bars = futures_bars(snapshot_dir, symbol)
        bars = bars[bars["date"] >= "1980-01-01"]
        run_id = bars["stale"].ne(bars["stale"].shift()).cumsum()
        for _, run in bars[bars["stale"]].groupby(run_id[bars["stale"]]):
            first, last, n = run["date"].iloc[0], run["date"].iloc[-1], len(run)
            runs.append(f"{symbol} {first.date()}..{last.date()}: {n} bar{'s' if n > 1 else ''}")
    return runs


def test_the_rate_gate_reports_every_stale_run_of_the_files(snapshot_warehouse, snapshot_dir):
    """Tolerated, not blocking: the check passes, its summary names the stale quotes and its
    metadata lists every run the files have."""
    _, run = snapshot_warehouse
    key = "raw/prices:rate_futures_gate"
    expected = stale_runs_in_files(snapshot_dir)
    assert expected
    assert run.checks[key]
    assert "stale quotes" in run.check_descriptions[key]
    metadata = run.check_metadata[key]
    assert metadata["stale_runs"].value.splitlines() == [f"- {r}" for r in expected]
    assert metadata["stale_quotes"].value == sum(int(r.split(": ")[1].split()[0]) for r in expected)
