"""The HTML/PNG rotation report on small synthetic marts (no dbt: the tables are built here)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from warehouse.report import CHART_NAMES, Report, render_report, rrg_tails

N_DAYS = 600
SEGMENTS = ("IWM", "IJR", "IJK", "IWB", "QQQ", "MEGACAP")

# values put on the last rotation_daily row, checked in the HTML
LAST = {
    "rut_gspc_spread_21d": 0.012345,
    "rut_ndx_spread_5d": -0.0321,
    "rut_gspc_spread_21d_pctrank_to_date": 0.9876,
    "rut_gspc_spread_21d_rank_to_date": 7,
    "rut_dgs2_corr_63d": -0.4321,
    "dgs2_level_pct": 3.875,
    "dgs2_change_bp": -4.5,
    "rut_lev_net_share_oi": -0.1234,
    "ndx_am_net_share_oi_pctrank_156r": 0.8125,
    "vix_level": 17.345,
    "smb_21d": 0.0234,
    "megacap_index_weight": 0.3125,
    "megacap_share_of_index_ytd_total_return": 0.5625,
    "megacap_next_year_revenue_breadth_30cd": -0.5,
}


def _daily(dates: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    n = len(dates)
    df = pd.DataFrame({"date": dates.date})
    for name, start in (("rut", 2000.0), ("gspc", 4500.0), ("ndx", 15000.0)):
        df[f"{name}_close"] = start * np.exp(np.cumsum(rng.normal(0.0003, 0.012, n)))
    for pair, other in (("rut_gspc", "gspc"), ("rut_ndx", "ndx")):
        for h in (5, 10, 21):
            spread = df["rut_close"].pct_change(h) - df[f"{other}_close"].pct_change(h)
            df[f"{pair}_spread_{h}d"] = spread
            df[f"{pair}_spread_{h}d_pctrank_to_date"] = spread.expanding().rank(pct=True)
            rank = spread.expanding().rank(ascending=False)
            df[f"{pair}_spread_{h}d_rank_to_date"] = rank.round().astype("Int64")
            df[f"{pair}_is_record_{h}d"] = (rank == 1).astype("boolean")
    for c in ("rut_dgs2_corr_63d", "gspc_dgs2_corr_63d", "ndx_dgs2_corr_63d"):
        df[c] = np.clip(rng.normal(-0.2, 0.25, n), -1, 1)
        df.loc[:62, c] = np.nan
    df["dgs2_level_pct"] = 4 + np.cumsum(rng.normal(0, 0.03, n))
    df["dgs2_change_bp"] = df["dgs2_level_pct"].diff() * 100
    # FOMC meetings every 30 rows; the cut probability only in the second half (null before, as often)
    meetings = pd.Series(dates[::30].date)
    df["next_fomc_date"] = [
        meetings[meetings > d].min() if (meetings > d).any() else None for d in dates.date
    ]
    df["implied_change_bp_next_fomc"] = np.where(np.arange(n) > n // 2, -10.0, np.nan)
    df["cut_probability_next_fomc"] = df["implied_change_bp_next_fomc"] / -25
    week = pd.Series(dates.to_period("W"), index=range(n))
    for market in ("rut", "ndx"):
        for group in ("lev", "am"):
            weekly = pd.Series(rng.normal(0, 0.1, n)).groupby(week).transform("first")
            weekly[:200] = np.nan  # positioning starts later than prices
            df[f"{market}_{group}_net_share_oi"] = weekly
            df[f"{market}_{group}_net_share_oi_pctrank_156r"] = weekly.rank(pct=True)
        tuesday = pd.Series(dates - pd.to_timedelta((dates.dayofweek - 1) % 7 + 7, unit="D"))
        df[f"{market}_positioning_report_date"] = tuesday.dt.date.where(np.arange(n) >= 200)
    df["vix_level"] = 15 + np.abs(rng.normal(0, 5, n))
    df["copper_gold_ratio"] = 0.002 + rng.normal(0, 0.0001, n)
    df["smb_21d"] = rng.normal(0, 0.02, n)
    df["megacap_minus_gspc_21d"] = rng.normal(0, 0.02, n)
    df["hyg_return_21d"] = np.nan
    df["hyg_minus_ief_21d"] = rng.normal(0, 0.01, n)
    df["rsp_minus_spy_21d"] = rng.normal(0, 0.01, n)
    df["megacap_index_weight"] = 0.3
    df["megacap_share_of_index_ytd_total_return"] = rng.normal(0.5, 0.1, n)
    df["megacap_next_year_revenue_breadth_30cd"] = np.nan  # captures start late
    df["some_other_column"] = 1  # extra columns are ignored
    for column, value in LAST.items():
        df.loc[n - 1, column] = value
    return df


def _episodes(dates: pd.DatetimeIndex) -> pd.DataFrame:
    rows = []
    # 12 leading and 3 lagging ^RUT/^GSPC 21d episodes (only the top 10 by rank are shown), and one
    # of another pair/horizon that must not appear
    specs = [("^RUT/^GSPC", "21d", "numerator_leads", i) for i in range(12)]
    specs += [("^RUT/^GSPC", "21d", "numerator_lags", i) for i in range(3)]
    specs += [("^RUT/^NDX", "5d", "numerator_leads", 0)]
    for k, (pair, horizon, direction, i) in enumerate(specs):
        start = 30 + k * 35
        sign = 1 if direction == "numerator_leads" else -1
        rows.append(
            {
                "pair": pair,
                "numerator": "^RUT",
                "denominator": pair.split("/")[1],
                "horizon": horizon,
                "direction": direction,
                "start_date": dates[start].date(),
                "peak_date": dates[start + 10].date(),
                "end_date": dates[start + 20].date(),
                "trading_days": 21,
                "peak_spread": sign * (0.08 - 0.005 * i) if pair == "^RUT/^GSPC" else 0.5555,
                "peak_rank_full_history": i + 1,
                "is_ongoing": False,
                "dgs2_change_bp": None if i == 1 else -12.5 + i,
                "numerator_return": 0.05,
                "denominator_return": 0.01,
            }
        )
    return pd.DataFrame(rows)


def _rrg(dates: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    recent = dates[-160:]
    week_end = (
        pd.Series(recent).groupby(recent.to_period("W")).transform("max").to_numpy() == recent.to_numpy()
    )
    frames = []
    for segment in SEGMENTS:
        frames.append(
            pd.DataFrame(
                {
                    "date": recent.date,
                    "segment": segment,
                    "benchmark": "SPY",
                    "rs_ratio": 100 + np.cumsum(rng.normal(0, 0.3, len(recent))),
                    "rs_momentum": 100 + rng.normal(0, 1.5, len(recent)),
                    "quadrant": "leading",
                    "is_week_end": week_end,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _performance(dates: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    frames = []
    for pair in PERFORMANCE_PAIRS:
        for horizon in ("5d", "21d"):
            spread = pd.Series(rng.normal(0, 0.03, len(dates)))
            frames.append(
                pd.DataFrame(
                    {
                        "date": dates.date,
                        "numerator": pair.split("/")[0],
                        "denominator": pair.split("/")[1],
                        "pair": pair,
                        "horizon": horizon,
                        "return_spread": spread,
                        "spread_rank_to_date": spread.expanding()
                        .rank(ascending=False)
                        .round()
                        .astype("Int64"),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


PERFORMANCE_PAIRS = ("^RUT/^GSPC", "IWM/SPY", "QQQ/SPY")


def make_marts(*, empty_rrg: bool = False) -> duckdb.DuckDBPyConnection:
    rng = np.random.default_rng(42)
    dates = pd.bdate_range("2022-01-03", periods=N_DAYS)
    daily, episodes, rrg = _daily(dates, rng), _episodes(dates), _rrg(dates, rng)
    performance = _performance(dates, rng)
    if empty_rrg:
        rrg = rrg.iloc[0:0]
    con = duckdb.connect()
    con.execute("create schema marts")
    for name, frame in (
        ("rotation_daily", daily),
        ("rotation_episodes", episodes),
        ("relative_rotation", rrg),
        ("relative_performance", performance),
    ):
        con.register("frame", frame)
        con.execute(f"create table marts.{name} as select * from frame")
        con.unregister("frame")
    for table, columns in (
        ("rotation_daily", ("date",)),
        ("rotation_episodes", ("start_date", "peak_date", "end_date")),
        ("relative_rotation", ("date",)),
        ("relative_performance", ("date",)),
    ):
        for c in columns:  # DATE columns, as dbt makes them
            con.execute(f"alter table marts.{table} alter column {c} type date")
    return con


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, str, pd.DataFrame]:
    con = make_marts()
    out = tmp_path_factory.mktemp("report")
    report = render_report(con, out, subtitle="source: sample <script>alert(1)</script> & co")
    daily = con.execute("select * from marts.rotation_daily order by date").df()
    con.close()
    return report, report.html_path.read_text(encoding="utf-8"), daily


def test_files_are_written_and_valid(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    report, page, _ = rendered
    assert report.html_path.name == "rotation_report.html" and report.html_path.is_file()
    assert tuple(report.charts) == CHART_NAMES
    for name, path in report.charts.items():
        assert path == report.html_path.parent / "charts" / f"{name}.png"
        with Image.open(path) as img:
            assert img.format == "PNG"
            assert img.width >= 800
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)) == 5
    # no temporary files left behind by the atomic writes
    leftovers = [p for p in report.html_path.parent.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_as_of_is_the_last_date(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    report, page, daily = rendered
    expected = pd.Timestamp(daily["date"].max()).date()
    assert report.as_of == expected
    assert isinstance(report.as_of, dt.date)
    assert f"as of {expected.isoformat()}" in page


def test_latest_reading_values_are_formatted(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    _, page, daily = rendered
    last = daily.iloc[-1]
    expected = [
        f"{LAST['rut_gspc_spread_21d'] * 100:+.2f}%",  # +1.23%
        f"{LAST['rut_ndx_spread_5d'] * 100:+.2f}%",  # -3.21%
        f"{LAST['rut_gspc_spread_21d_pctrank_to_date'] * 100:.1f}%",  # 98.8%
        f'<td class="num">{LAST["rut_gspc_spread_21d_rank_to_date"]}</td>',
        f"{LAST['rut_dgs2_corr_63d']:+.2f}",  # -0.43
        f"{LAST['dgs2_level_pct']:.2f}%",
        f"{LAST['dgs2_change_bp']:+.1f} bp",
        f"{LAST['rut_lev_net_share_oi'] * 100:+.1f}%",
        f"{LAST['ndx_am_net_share_oi_pctrank_156r'] * 100:.1f}%",
        f"{LAST['vix_level']:.2f}",
        f"{LAST['smb_21d'] * 100:+.2f}%",
        f"{last['rut_gspc_spread_10d'] * 100:+.2f}%",
        'weight in the S&amp;P 500</td><td class="num">31.2%',
        'year-to-date return</td><td class="num">56.2%',
        'breadth, 30 days (-1..+1)</td><td class="num">-0.50',
    ]
    for text in expected:
        assert text in page, text
    assert "+1.23%" in page and "-3.21%" in page
    # null cut probability and HYG return are shown as a dash
    assert re.search(r"Cut probability at the next FOMC</td><td class=\"num\">—</td>", page)
    assert re.search(r"HYG return, 21 days</td><td class=\"num\">—</td>", page)


def test_episode_tables(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    _, page, _ = rendered
    assert "Largest ^RUT/^GSPC episodes (21d)" in page
    assert "+8.00%" in page and "-8.00%" in page  # rank 1 of each direction
    assert "+3.50%" in page  # rank 10 of the leading episodes
    assert "+3.00%" not in page and "+2.50%" not in page  # ranks 11 and 12 are cut
    assert "+55.55%" not in page  # another pair/horizon
    assert "-12.5" in page


def test_subtitle_is_escaped(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    _, page, _ = rendered
    assert "<script>" not in page
    assert "source: sample &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_warnings_for_null_series_only(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    report, _, _ = rendered
    assert not any(w.startswith("relative_rotation") for w in report.warnings)
    assert not any("no data" in w for w in report.warnings)


def test_empty_relative_rotation_still_renders(tmp_path: Path) -> None:
    con = make_marts(empty_rrg=True)
    report = render_report(con, tmp_path / "out")
    assert report.html_path.is_file()
    assert all(p.is_file() for p in report.charts.values())
    assert any(w.startswith("relative_rotation") and "no data" in w for w in report.warnings)
    assert report.html_path.read_text(encoding="utf-8").count("data:image/png;base64,") == 5


def test_empty_and_all_null_tables_do_not_crash(tmp_path: Path) -> None:
    con = make_marts()
    con.execute("delete from marts.rotation_episodes")
    con.execute(
        "update marts.rotation_daily set rut_dgs2_corr_63d = null, gspc_dgs2_corr_63d = null, "
        "ndx_dgs2_corr_63d = null, rut_lev_net_share_oi_pctrank_156r = null, "
        "rut_am_net_share_oi_pctrank_156r = null, ndx_lev_net_share_oi_pctrank_156r = null, "
        "ndx_am_net_share_oi_pctrank_156r = null"
    )
    report = render_report(con, tmp_path)
    assert any(w.startswith("rate_correlation") for w in report.warnings)
    assert any(w.startswith("positioning") for w in report.warnings)

    con.execute("delete from marts.rotation_daily")
    con.execute("delete from marts.relative_rotation")
    report = render_report(con, tmp_path)
    assert report.as_of is None
    for name in CHART_NAMES:
        assert any(w.startswith(name) for w in report.warnings), name
        with Image.open(report.charts[name]) as img:
            assert img.width >= 800


def test_missing_table_is_a_clear_error(tmp_path: Path) -> None:
    con = make_marts()
    con.execute("drop table marts.rotation_episodes")
    with pytest.raises(ValueError, match=r"marts\.rotation_episodes.*dbt"):
        render_report(con, tmp_path)
    con = duckdb.connect()  # no marts schema at all
    with pytest.raises(ValueError, match=r"marts\.rotation_daily"):
        render_report(con, tmp_path)
    assert not (tmp_path / "rotation_report.html").exists()


def test_rrg_tails_picks_the_last_week_end_rows_per_segment() -> None:
    dates = pd.bdate_range("2024-01-01", periods=200)
    week_end = pd.Series(dates).groupby(dates.to_period("W")).transform("max").to_numpy() == dates.to_numpy()
    frames = [
        pd.DataFrame(
            {
                "date": dates,
                "segment": segment,
                "rs_ratio": np.arange(200) + 100.0 * k,
                "rs_momentum": 100.0,
                "is_week_end": week_end,
            }
        )
        for k, segment in enumerate(["QQQ", "IWM", "SHORT"])
    ]
    frames[2] = frames[2].iloc[-15:]  # only 3 week ends
    df = pd.concat(frames, ignore_index=True).sample(frac=1, random_state=1)  # shuffled
    tails = rrg_tails(df, points=10)

    week_ends = dates[week_end]
    for segment in ("QQQ", "IWM"):
        tail = tails[tails["segment"] == segment]
        assert list(tail["date"]) == list(week_ends[-10:])
        assert tail["is_week_end"].all()
    short = tails[tails["segment"] == "SHORT"]
    assert list(short["date"]) == list(week_ends[week_ends >= dates[-15]])
    assert len(short) == 3
    assert rrg_tails(df.iloc[0:0]).empty
