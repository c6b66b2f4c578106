"""Acceptance: the rotation marts (rotation_daily, rotation_episodes, relative_rotation) on the real
snapshot, checked against an independent pandas computation from the raw snapshot files.

Nothing here reuses the SQL: spreads come from the CSV closes (expected_pair), ranks and percentiles
from pandas expanding windows, the point-in-time joins from pd.merge_asof, FRED and CFTC values from
the pandas readers of the rates and positioning tests, SMB from the French file. The only warehouse
value taken as input is marts.positioning.available_at (the release instant of each CFTC report),
whose schedule test_snapshot_positioning.test_release_time_follows_the_schedule verifies.

The readers leave out the bars captured before their session ended (read_yahoo_csv, from
captured_at.csv), as the warehouse does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.acceptance.conftest import query
from tests.acceptance.test_snapshot_cross_asset import MEGACAPS, compounded
from tests.acceptance.test_snapshot_positioning import expected_positioning
from tests.acceptance.test_snapshot_rates import expected_sensitivity, read_fred
from tests.acceptance.test_snapshot_relative_performance import START, expected_pair, read_basis

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

DAILY_PAIRS = {"rut_gspc": ("^RUT", "^GSPC"), "rut_ndx": ("^RUT", "^NDX")}
DAILY_HORIZONS = [5, 10, 21]
RATES_STALE = pd.Timedelta(days=10)  # var rates_max_staleness_days
POSITIONING_STALE = pd.Timedelta(days=35)  # var positioning_max_staleness_days
POSITIONING = {"rut": "Russell 2000 E-mini", "ndx": "Nasdaq-100 E-mini"}
GROUPS = {"am": "asset_manager", "lev": "leveraged_funds"}
MIN_HISTORY = 252  # var episode_min_history
MERGE_GAP = 5  # var episode_merge_gap_days
RRG_SEGMENTS = ["IWM", "QQQ", "IJR", "IJK", "IWB", "MEGACAP"]
RRG_BENCHMARK = "SPY"
TOL = 1e-9
RANK_TOL = 1e-12  # spreads closer than this may order differently in SQL and pandas (float noise)


# ---------------------------------------------------------------------------------------------------
# independent pandas computations
# ---------------------------------------------------------------------------------------------------


def as_dates(values) -> pd.Series:
    if not isinstance(values, pd.Series):
        values = pd.Series(np.asarray(values))
    return pd.to_datetime(values).astype("datetime64[ns]")


@pytest.fixture(scope="module")
def daily(build_db) -> pd.DataFrame:
    df = query(build_db, "select * from marts.rotation_daily order by date")
    for column in df.columns:
        if column == "date" or column.endswith(("_as_of", "_report_date")):
            df[column] = as_dates(df[column])
    return df.set_index("date")


@pytest.fixture(scope="module")
def spreads(snapshot_dir) -> dict[tuple[str, str, int], pd.Series]:
    """(numerator, denominator, horizon days) -> the pair's spread on its own dates (no NaN)."""
    out = {}
    for numerator, denominator in DAILY_PAIRS.values():
        pair = expected_pair(snapshot_dir, numerator, denominator)
        for h in DAILY_HORIZONS:
            s = pair[pair["horizon"] == f"{h}d"].set_index("date")["return_spread"].sort_index()
            s.index = s.index.astype("datetime64[ns]")
            out[numerator, denominator, h] = s
    return out


def expanding_stats(s: pd.Series) -> pd.DataFrame:
    """Point-in-time rank (1 = largest so far), cume_dist-style percentile and record flag."""
    prior_max = s.cummax().shift(1)
    return pd.DataFrame(
        {
            "spread": s,
            "rank": s.expanding().rank(method="min", ascending=False),
            "pctile": s.expanding().rank(method="max", pct=True),
            "is_record": (s > prior_max).where(prior_max.notna(), False).astype(bool),
        }
    )


def pit_dgs2(snapshot_dir, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """DGS2 as known at each date's close: the latest observation dated strictly before it, null
    when that one is more than 10 days back."""
    levels = read_fred(snapshot_dir, "DGS2")
    obs = pd.DataFrame(
        {
            "as_of": levels.index.astype("datetime64[ns]"),
            "level": levels.to_numpy(),
            "change_bp": levels.diff().to_numpy() * 100,
        }
    )
    left = pd.DataFrame({"date": dates.astype("datetime64[ns]")}).sort_values("date")
    out = pd.merge_asof(left, obs, left_on="date", right_on="as_of", allow_exact_matches=False)
    stale = out["as_of"].isna() | (out["as_of"] < out["date"] - RATES_STALE)
    out.loc[stale, ["level", "change_bp"]] = np.nan
    out.loc[stale, "as_of"] = pd.NaT
    return out.set_index("date")


def pit_correlations(snapshot_dir, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """63-day correlations with DGS2 changes (the rates test's pandas rolling) of the latest aligned
    date strictly before each date, within 10 days; columns rut/gspc/ndx and as_of (of ^RUT)."""
    sens = expected_sensitivity(snapshot_dir, "DGS2")
    sens = sens[sens["window_days"] == 63]
    left = pd.DataFrame({"date": dates.astype("datetime64[ns]")}).sort_values("date")
    out = left.set_index("date")
    for name, symbol in [("rut", "^RUT"), ("gspc", "^GSPC"), ("ndx", "^NDX")]:
        right = sens[sens["symbol"] == symbol][["date", "correlation"]].rename(columns={"date": "as_of"})
        right["as_of"] = right["as_of"].astype("datetime64[ns]")
        right = right.sort_values("as_of")
        joined = pd.merge_asof(left, right, left_on="date", right_on="as_of", allow_exact_matches=False)
        stale = joined["as_of"].isna() | (joined["as_of"] < joined["date"] - RATES_STALE)
        out[name] = joined["correlation"].where(~stale).to_numpy()
        if name == "rut":
            out["as_of"] = joined["as_of"].where(~stale).to_numpy()
    return out


@pytest.fixture(scope="module")
def release_times(build_db) -> pd.DataFrame:
    df = query(build_db, "select report_date, market, trader_group, available_at from marts.positioning")
    df["report_date"] = as_dates(df["report_date"])
    df["available_at"] = pd.to_datetime(df["available_at"], utc=True).astype("datetime64[ns, UTC]")
    return df


def pit_positioning(
    snapshot_dir, release_times: pd.DataFrame, dates: pd.DatetimeIndex
) -> dict[str, pd.DataFrame]:
    """'{market}_{group}' -> report_date, share and percentile of the report with the greatest
    available_at at or before the date's 16:00 New York close (reports without a release time never
    count), null when that report is more than 35 days old. Values from expected_positioning."""
    expected = expected_positioning(snapshot_dir)
    expected["report_date"] = expected["report_date"].astype("datetime64[ns]")
    expected = expected.merge(release_times, on=["report_date", "market", "trader_group"], how="left")
    expected = expected[expected["available_at"].notna()]
    left = pd.DataFrame({"date": dates.astype("datetime64[ns]")}).sort_values("date")
    left["close_at"] = (
        (left["date"] + pd.Timedelta(hours=16))
        .dt.tz_localize("America/New_York")
        .dt.tz_convert("UTC")
        .astype("datetime64[ns, UTC]")
    )
    out = {}
    for market_key, market in POSITIONING.items():
        for group_key, group in GROUPS.items():
            right = expected[(expected["market"] == market) & (expected["trader_group"] == group)]
            right = right[["available_at", "report_date", "share", "percentile"]]
            right = right.sort_values(["available_at", "report_date"])
            joined = pd.merge_asof(left, right, left_on="close_at", right_on="available_at")
            stale = joined["report_date"].isna() | (
                joined["report_date"] < joined["date"] - POSITIONING_STALE
            )
            joined.loc[stale, ["share", "percentile"]] = np.nan
            joined.loc[stale, "report_date"] = pd.NaT
            out[f"{market_key}_{group_key}"] = joined.set_index("date")
    return out


def pit_smb(snapshot_dir, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """21-day compounded SMB of the latest factor date before the first day of the month before the
    date's month (a month's factors count from the first day of the second month after it); null
    when that factor date is before the last day of the month before the cutoff's month."""
    french = pd.read_csv(
        snapshot_dir / "french" / "F-F_Research_Data_Factors_daily.CSV", skipinitialspace=True, index_col=0
    )
    french.index = pd.to_datetime(french.index.astype(str), format="%Y%m%d")
    smb = (french["SMB"] / 100)[french.index >= pd.Timestamp(START)]
    smb_21 = compounded(smb, 21).dropna()
    right = pd.DataFrame({"as_of": smb_21.index.astype("datetime64[ns]"), "smb": smb_21.to_numpy()})
    left = pd.DataFrame({"date": dates.astype("datetime64[ns]")}).sort_values("date")
    left["cutoff"] = (left["date"].dt.to_period("M") - 1).dt.start_time.astype("datetime64[ns]")
    joined = pd.merge_asof(
        left.sort_values("cutoff"), right, left_on="cutoff", right_on="as_of", allow_exact_matches=False
    )
    # stale (more than a month older than the rule expects: the file stopped) -> null
    stale = joined["as_of"] < (joined["cutoff"].dt.to_period("M") - 1).dt.start_time - pd.Timedelta(days=1)
    joined.loc[stale, ["as_of", "smb"]] = None
    return joined.set_index("date").sort_index()


def expected_episodes(snapshot_dir, spreads) -> pd.DataFrame:
    """Episodes recomputed from the spread series: thresholds from earlier spreads only."""
    rows = []
    for (numerator, denominator, h), s in spreads.items():
        both = pd.concat(
            [read_basis(snapshot_dir, numerator), read_basis(snapshot_dir, denominator)],
            axis=1,
            join="inner",
        ).sort_index()
        both.index = both.index.astype("datetime64[ns]")
        calendar_position = pd.Series(np.arange(len(both)), index=both.index)
        values = s.to_numpy()
        earlier = np.arange(len(s))  # spreads on earlier dates (none missing)
        upper = s.expanding().quantile(0.99).shift(1).to_numpy()
        lower = s.expanding().quantile(0.01).shift(1).to_numpy()
        eligible = earlier >= MIN_HISTORY
        for direction, flagged in [
            ("numerator_leads", eligible & (values > upper)),
            ("numerator_lags", eligible & (values < lower)),
        ]:
            position = np.flatnonzero(flagged)
            if not len(position):
                continue
            new_episode = np.diff(position, prepend=-(10**9)) > MERGE_GAP
            episode = np.cumsum(new_episode)
            frame = pd.DataFrame(
                {
                    "episode_number": episode,
                    "position": position,
                    "date": s.index[position],
                    "spread": values[position],
                    "threshold": (upper if direction == "numerator_leads" else lower)[position],
                }
            )
            for number, g in frame.groupby("episode_number"):
                peak = g["spread"].idxmax() if direction == "numerator_leads" else g["spread"].idxmin()
                start, end = g["date"].iloc[0], g["date"].iloc[-1]
                window_start = both.index[calendar_position[start] - h]
                rows.append(
                    {
                        "pair": f"{numerator}/{denominator}",
                        "horizon": f"{h}d",
                        "horizon_days": h,
                        "direction": direction,
                        "episode_number": number,
                        "start_date": start,
                        "end_date": end,
                        "peak_date": g.loc[peak, "date"],
                        "peak_spread": g.loc[peak, "spread"],
                        "trading_days": g["position"].iloc[-1] - g["position"].iloc[0] + 1,
                        "flagged_days": len(g),
                        "threshold_at_start": g["threshold"].iloc[0],
                        "is_ongoing": len(s) - 1 - g["position"].iloc[-1] < MERGE_GAP,
                        "window_start_date": window_start,
                        "numerator_return": both.loc[end, numerator] / both.loc[window_start, numerator] - 1,
                        "denominator_return": both.loc[end, denominator] / both.loc[window_start, denominator]
                        - 1,
                    }
                )
    out = pd.DataFrame(rows)
    out["peak_rank_full_history"] = (
        out["peak_spread"]
        .abs()
        .groupby([out["pair"], out["horizon"], out["direction"]])
        .rank(method="min", ascending=False)
        .astype(int)
    )
    return out


def megacap_level(snapshot_dir) -> tuple[pd.Series, pd.Series]:
    """Equal-weighted mega-cap basket, rebalanced daily (mean of the names' own daily returns),
    compounded from 1.0, and the number of names with a return on each date."""
    returns = pd.concat({s: read_basis(snapshot_dir, s).dropna().pct_change() for s in MEGACAPS}, axis=1)
    basket = returns.mean(axis=1, skipna=True).dropna()
    return (1 + basket).cumprod(), returns.notna().sum(axis=1).reindex(basket.index)


def expected_rotation(snapshot_dir) -> pd.DataFrame:
    benchmark = read_basis(snapshot_dir, RRG_BENCHMARK).dropna()
    frames = []
    for segment in RRG_SEGMENTS:
        if segment == "MEGACAP":
            closes, members = megacap_level(snapshot_dir)
            # published only where the basket holds every mega cap of its definition
            closes = closes[members == len(MEGACAPS)]
            members = members[members == len(MEGACAPS)]
        else:
            closes = read_basis(snapshot_dir, segment).dropna()
            members = pd.Series(1, index=closes.index)
        both = pd.concat([closes.rename("segment"), benchmark.rename("benchmark")], axis=1, join="inner")
        both = both.sort_index()
        rs = both["segment"] / both["benchmark"]
        ratio = 100 * rs / rs.rolling(63).mean()
        momentum = 100 * ratio / ratio.shift(10)
        quadrant = np.select(
            [
                (ratio >= 100) & (momentum >= 100),
                (ratio >= 100) & (momentum < 100),
                (ratio < 100) & (momentum < 100),
                (ratio < 100) & (momentum >= 100),
            ],
            ["leading", "weakening", "lagging", "improving"],
            default=None,
        )
        dates = both.index.to_series()
        week = dates.dt.to_period("W-SUN")  # Monday..Sunday calendar weeks
        frames.append(
            pd.DataFrame(
                {
                    "date": both.index.astype("datetime64[ns]"),
                    "segment": segment,
                    "members": members.reindex(both.index).to_numpy(),
                    "rs": rs.to_numpy(),
                    "rs_ratio": ratio.to_numpy(),
                    "rs_momentum": momentum.to_numpy(),
                    "quadrant": quadrant,
                    "is_week_end": (dates == dates.groupby(week).transform("max")).to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------------
# comparison helpers
# ---------------------------------------------------------------------------------------------------


def assert_same_nulls_and_close(got: pd.Series, expected: pd.Series, name: str, rtol=0.0, atol=TOL):
    got, expected = got.astype(float), expected.astype(float)
    differ = got.isna() != expected.isna()
    assert not differ.any(), (
        f"{name}: null pattern differs on {differ.sum()} dates, first: "
        f"{pd.DataFrame({'warehouse': got, 'pandas': expected})[differ].head().to_dict('index')}"
    )
    both = expected.notna()
    np.testing.assert_allclose(got[both], expected[both], rtol=rtol, atol=atol, err_msg=name)


def assert_same_dates(got: pd.Series, expected: pd.Series, name: str):
    got, expected = as_dates(got.to_numpy()), as_dates(expected.to_numpy())
    differ = ~((got == expected) | (got.isna() & expected.isna()))
    assert not differ.any(), (
        f"{name}: differs on {differ.sum()} rows, first: "
        f"{pd.DataFrame({'warehouse': got, 'pandas': expected})[differ.to_numpy()].head().to_dict('index')}"
    )


# ---------------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------------


def test_daily_relative_performance_is_point_in_time(daily, spreads):
    """rotation_daily's spread, rank, percentile and record columns equal pandas expanding windows
    over the pair's own spreads up to and including each date (never the whole history), aligned on
    the ^GSPC calendar (null where the pair has no spread). Ranks match exactly, except where two
    spreads agree within float noise (then the warehouse rank must lie in the tie's range)."""
    for name, (numerator, denominator) in DAILY_PAIRS.items():
        for h in DAILY_HORIZONS:
            s = spreads[numerator, denominator, h]
            assert s.index.isin(daily.index).all(), "every pair date is a ^GSPC date"
            assert len(s) > 9000
            expected = expanding_stats(s).reindex(daily.index)
            label = f"{name}_{h}d"
            got_spread = daily[f"{name}_spread_{h}d"]
            assert_same_nulls_and_close(got_spread, expected["spread"], f"{label} spread")
            got_rank = daily[f"{name}_spread_{h}d_rank_to_date"].astype(float)
            got_pctile = daily[f"{name}_spread_{h}d_pctrank_to_date"].astype(float)
            got_record = daily[f"{name}_is_record_{h}d"]
            assert (got_rank.isna() == expected["rank"].isna()).all(), f"{label} rank nulls"
            assert (got_pctile.isna() == expected["pctile"].isna()).all(), f"{label} pctile nulls"
            assert (got_record.isna() == expected["rank"].isna()).all(), f"{label} is_record nulls"
            present = expected["rank"].notna()
            mismatch = present & (
                (got_rank != expected["rank"])
                | ((got_pctile - expected["pctile"]).abs() > TOL)
                | (got_record.astype("boolean") != expected["is_record"].astype("boolean"))
            )
            # only float near-ties may explain a difference: check the tie's range for those rows
            values = s.to_numpy()
            bad = []
            for date in mismatch[mismatch].index:
                i = s.index.get_loc(date)
                upto, v = values[: i + 1], values[i]
                lowest_rank = 1 + (upto > v + RANK_TOL).sum()
                highest_rank = 1 + (upto > v - RANK_TOL).sum() - 1
                lowest_pct = (upto <= v - RANK_TOL).sum() / (i + 1)
                highest_pct = (upto <= v + RANK_TOL).sum() / (i + 1)
                prior = values[:i].max() if i else np.nan
                record_ambiguous = i > 0 and abs(v - prior) <= RANK_TOL
                ok = (
                    lowest_rank <= got_rank[date] <= highest_rank
                    and lowest_pct - TOL <= got_pctile[date] <= highest_pct + TOL
                    and (record_ambiguous or bool(got_record[date]) == bool(expected.loc[date, "is_record"]))
                )
                if not ok:
                    bad.append((date, got_rank[date], expected.loc[date, "rank"], got_pctile[date]))
            assert not bad, f"{label}: rank/pctile/record differ beyond ties, first {bad[:5]}"


def test_daily_dgs2_is_the_previous_observation(daily, snapshot_dir):
    """dgs2_level_pct / dgs2_change_bp / dgs2_as_of are the latest FRED DGS2 observation dated
    strictly before the row's date (null when more than 10 days back), and the 63-day correlations
    with DGS2 are the pandas rolling correlations of the latest aligned date strictly before the row's
    date: nothing of the row's own day (published by FRED only the next day) leaks into it."""
    dates = daily.index
    expected = pit_dgs2(snapshot_dir, dates).reindex(daily.index)
    assert expected["level"].notna().sum() > 6000
    assert_same_nulls_and_close(daily["dgs2_level_pct"], expected["level"], "dgs2_level_pct")
    assert_same_nulls_and_close(daily["dgs2_change_bp"], expected["change_bp"], "dgs2_change_bp")
    assert_same_dates(daily["dgs2_as_of"], expected["as_of"], "dgs2_as_of")
    corr = pit_correlations(snapshot_dir, dates).reindex(daily.index)
    assert corr["rut"].notna().sum() > 6000
    for name in ["rut", "gspc", "ndx"]:
        # pandas' rolling correlation and DuckDB's aggregate differ by float noise only
        assert_same_nulls_and_close(
            daily[f"{name}_dgs2_corr_63d"], corr[name], f"{name}_dgs2_corr_63d", rtol=1e-6, atol=1e-9
        )
    assert_same_dates(daily["dgs2_corr_as_of"], corr["as_of"], "dgs2_corr_as_of")
    # no look-ahead: every observation used is dated before the row's own date
    used = daily["dgs2_as_of"].notna()
    assert (daily.loc[used, "dgs2_as_of"] < daily.index[used]).all()
    used = daily["dgs2_corr_as_of"].notna()
    assert (daily.loc[used, "dgs2_corr_as_of"] < daily.index[used]).all()
    # SOURCES.md: DGS2 on 2024-07-16 = 4.43, which rotation_daily shows from 2024-07-17 only
    assert daily.loc["2024-07-17", "dgs2_level_pct"] == pytest.approx(4.43)
    assert daily.loc["2024-07-17", "dgs2_as_of"] == pd.Timestamp("2024-07-16")
    assert daily.loc["2024-07-16", "dgs2_as_of"] == pd.Timestamp("2024-07-15")


def test_daily_positioning_counts_from_its_release(daily, snapshot_dir, release_times):
    """The CFTC columns of each row are those of the report with the latest available_at at or before
    the row's 16:00 New York close (reports without a release time never count), null when that
    report is more than 35 days old; net share of OI and 156-report percentile from pandas."""
    expected = pit_positioning(snapshot_dir, release_times, daily.index)
    for key, frame in expected.items():
        frame = frame.reindex(daily.index)
        assert frame["share"].notna().sum() > 1000, key
        assert_same_nulls_and_close(daily[f"{key}_net_share_oi"], frame["share"], f"{key}_net_share_oi")
        assert_same_nulls_and_close(
            daily[f"{key}_net_share_oi_pctrank_156r"], frame["percentile"], f"{key}_net_share_oi_pctrank_156r"
        )
        if key.endswith("_lev"):
            market = key.split("_")[0]
            assert_same_dates(
                daily[f"{market}_positioning_report_date"], frame["report_date"], f"{market} report date"
            )
    # no look-ahead: the report of a row was released by that row's close
    used = daily[["rut_positioning_report_date"]].dropna().reset_index()
    released = release_times[
        (release_times["market"] == POSITIONING["rut"]) & (release_times["trader_group"] == "leveraged_funds")
    ]
    used = used.merge(released, left_on="rut_positioning_report_date", right_on="report_date")
    close_at = (used["date"] + pd.Timedelta(hours=16)).dt.tz_localize("America/New_York")
    assert (used["available_at"] <= close_at).all()
    # the 2024-07-09 report, released Friday 2024-07-12 15:30 New York, counts from that Friday
    rut_lev = expected["rut_lev"]
    july_9 = released.set_index("report_date").loc["2024-07-09", "available_at"]
    assert july_9.tz_convert("America/New_York") == pd.Timestamp("2024-07-12 15:30", tz="America/New_York")
    assert rut_lev.loc["2024-07-11", "report_date"] == pd.Timestamp("2024-07-02")
    assert rut_lev.loc["2024-07-12", "report_date"] == pd.Timestamp("2024-07-09")
    assert daily.loc["2024-07-11", "rut_positioning_report_date"] == pd.Timestamp("2024-07-02")
    assert daily.loc["2024-07-12", "rut_positioning_report_date"] == pd.Timestamp("2024-07-09")


def test_daily_smb_counts_only_published_months(daily, snapshot_dir):
    """smb_21d on a date is the 21-factor-date compounded SMB (French file, percent / 100) of the
    latest factor date before the first day of the month preceding the date's month (July 2024 rows
    see factors through 2024-05-31); smb_as_of is that factor date."""
    expected = pit_smb(snapshot_dir, daily.index).reindex(daily.index)
    assert expected["smb"].notna().sum() > 10_000
    assert_same_nulls_and_close(daily["smb_21d"], expected["smb"], "smb_21d")
    assert_same_dates(daily["smb_as_of"], expected["as_of"], "smb_as_of")
    assert daily.loc["2024-07-16", "smb_as_of"] == pd.Timestamp("2024-05-31")
    used = daily["smb_as_of"].notna()
    cutoff = (daily.index[used].to_period("M") - 1).start_time
    assert (daily.loc[used, "smb_as_of"] < cutoff).all()


@pytest.fixture(scope="module")
def episodes_mart(build_db) -> pd.DataFrame:
    df = query(build_db, "select * from marts.rotation_episodes")
    for column in ["start_date", "end_date", "peak_date", "window_start_date"]:
        df[column] = as_dates(df[column])
    return df


def test_rotation_episodes_match_independent_pandas(episodes_mart, spreads, daily, snapshot_dir):
    """The full episode list of both pairs at 5, 10 and 21 days: flags against the 99th / 1st
    percentile of EARLIER spreads only (once 252 exist), flagged dates of a direction at most 5
    trading dates apart merged, peak, counts, rank of |peak| within pair/horizon/direction, the returns
    from the first window's start to end_date, and the point-in-time DGS2 at start and end."""
    expected = expected_episodes(snapshot_dir, spreads)
    keys = ["pair", "horizon", "direction", "episode_number"]
    merged = expected.merge(episodes_mart, on=keys, how="outer", suffixes=("_exp", "_wh"), indicator=True)
    differ = merged[merged["_merge"] != "both"]
    assert differ.empty, differ[[*keys, "_merge", "start_date_exp", "start_date_wh"]].to_string()
    assert len(merged) > 100
    for column in ["start_date", "end_date", "peak_date", "window_start_date"]:
        assert_same_dates(merged[f"{column}_wh"], merged[f"{column}_exp"], column)
    for column in ["trading_days", "flagged_days", "peak_rank_full_history", "horizon_days", "is_ongoing"]:
        bad = merged[merged[f"{column}_wh"] != merged[f"{column}_exp"]]
        assert bad.empty, bad[[*keys, f"{column}_wh", f"{column}_exp"]].head().to_string()
    for column in ["peak_spread", "threshold_at_start"]:
        assert_same_nulls_and_close(merged[f"{column}_wh"], merged[f"{column}_exp"], column)
    for column in ["numerator_return", "denominator_return"]:
        assert_same_nulls_and_close(merged[f"{column}_wh"], merged[f"{column}_exp"], column, rtol=TOL)
    # the context columns are the point-in-time values at the first and last flagged date
    dgs2 = pit_dgs2(snapshot_dir, daily.index)["level"]
    start, end = (
        dgs2.reindex(merged["start_date_exp"]).to_numpy(),
        dgs2.reindex(merged["end_date_exp"]).to_numpy(),
    )
    assert_same_nulls_and_close(merged["dgs2_level_pct_start"], pd.Series(start), "dgs2_level_pct_start")
    assert_same_nulls_and_close(merged["dgs2_level_pct_end"], pd.Series(end), "dgs2_level_pct_end")
    assert_same_nulls_and_close(merged["dgs2_change_bp"], pd.Series(100 * (end - start)), "dgs2_change_bp")
    assert merged["dgs2_change_bp"].notna().sum() > 50


def test_relative_rotation_matches_independent_pandas(build_db, snapshot_dir):
    """RS = segment / SPY close on common dates (MEGACAP: the equal-weighted, daily-rebalanced basket
    compounded from 1.0), RS-Ratio = 100 RS / its trailing 63-row mean, RS-Momentum = 100 RS-Ratio /
    RS-Ratio 10 rows earlier, the quadrant by the >= 100 rules and the last date of each Monday-start
    calendar week, for every segment, on exactly the same (date, segment) rows."""
    mart = query(build_db, "select * from marts.relative_rotation")
    mart["date"] = as_dates(mart["date"])
    assert set(mart["segment"]) == set(RRG_SEGMENTS) and (mart["benchmark"] == RRG_BENCHMARK).all()
    expected = expected_rotation(snapshot_dir)
    keys = ["date", "segment"]
    merged = expected.merge(mart, on=keys, how="outer", suffixes=("_exp", "_wh"), indicator=True)
    differ = merged[merged["_merge"] != "both"]
    assert differ.empty, differ[[*keys, "_merge"]].head().to_string()
    assert len(merged) > 30_000
    for column in ["rs", "rs_ratio", "rs_momentum"]:
        assert_same_nulls_and_close(merged[f"{column}_wh"], merged[f"{column}_exp"], column, rtol=TOL, atol=0)
    quadrant_wh = merged["quadrant_wh"].astype(object).fillna("null")
    bad = merged[quadrant_wh != merged["quadrant_exp"].astype(object).fillna("null")]
    assert bad.empty, bad[[*keys, "rs_ratio_wh", "rs_momentum_wh", "quadrant_wh", "quadrant_exp"]].head()
    bad = merged[merged["is_week_end_wh"] != merged["is_week_end_exp"]]
    assert bad.empty, bad[[*keys, "is_week_end_wh", "is_week_end_exp"]].head()
    bad = merged[merged["members_wh"] != merged["members_exp"]]
    assert bad.empty, bad[[*keys, "members_wh", "members_exp"]].head()


def test_megacap_segment_starts_with_its_whole_basket(build_db, snapshot_dir):
    """The basket has a return before its last name lists (two names in 1993); the MEGACAP segment
    starts only on the first date every mega cap has a return, and carries their count."""
    _, members = megacap_level(snapshot_dir)
    assert members.min() < len(MEGACAPS), "the files should have dates with part of the basket"
    complete = members[members == len(MEGACAPS)].index.min()
    got = query(
        build_db,
        "select min(date) as first, min(members) as low, max(members) as high "
        "from marts.relative_rotation where segment = 'MEGACAP'",
    ).iloc[0]
    spy = read_basis(snapshot_dir, RRG_BENCHMARK).dropna()
    assert pd.Timestamp(got["first"]) == spy.index[spy.index >= complete].min()
    assert got["low"] == got["high"] == len(MEGACAPS)


def test_the_july_2024_rotation_story(daily, spreads, episodes_mart, snapshot_dir):
    """On 2024-07-16 the ^RUT/^GSPC 5-day spread was the largest on record up to that date (pandas
    rank 1, a record, though not the largest with hindsight) and rotation_daily says so; the 21-day
    spread set off a numerator_leads episode starting 2024-07-17, found both by pandas and in
    rotation_episodes with the same start, end and peak."""
    day = pd.Timestamp("2024-07-16")
    series = spreads["^RUT", "^GSPC", 5]
    five = expanding_stats(series)
    assert five.loc[day, "rank"] == 1 and five.loc[day, "is_record"]
    assert five.loc[day, "spread"] > 0.08
    # with hindsight it is not the largest (2024-07-17 beat it): a rank over the whole history,
    # i.e. a look-ahead, would not say 1 here
    assert series.rank(ascending=False, method="min")[day] > 1
    assert daily.loc[day, "rut_gspc_spread_5d_rank_to_date"] == 1
    assert daily.loc[day, "rut_gspc_is_record_5d"]
    assert daily.loc[day, "rut_gspc_spread_5d"] == pytest.approx(five.loc[day, "spread"], abs=TOL)

    expected = expected_episodes(
        snapshot_dir, {k: v for k, v in spreads.items() if k == ("^RUT", "^GSPC", 21)}
    )
    july = pd.Timestamp("2024-07-17")
    covering = expected[
        (expected["direction"] == "numerator_leads")
        & (expected["start_date"] <= july)
        & (expected["end_date"] >= july)
    ]
    assert len(covering) == 1, expected.tail()
    episode = covering.iloc[0]
    assert episode["start_date"] == july, "the 21-day spread first beat its 99th percentile on 2024-07-17"
    got = episodes_mart[
        (episodes_mart["pair"] == "^RUT/^GSPC")
        & (episodes_mart["horizon"] == "21d")
        & (episodes_mart["direction"] == "numerator_leads")
        & (episodes_mart["start_date"] <= july)
        & (episodes_mart["end_date"] >= july)
    ]
    assert len(got) == 1
    got = got.iloc[0]
    assert got["start_date"] == episode["start_date"] and got["end_date"] == episode["end_date"]
    assert got["peak_date"] == episode["peak_date"]
    assert got["numerator_return"] > got["denominator_return"], "small caps ahead over the episode"
