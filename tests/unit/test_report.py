"""The interactive rotation report on small synthetic marts (no dbt: the tables are built here)."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from plotly.offline import get_plotlyjs

from warehouse.report import CHART_NAMES, Report, charts, data, render_report, rrg_tails

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
    # event_calendar: a CPI release inside the daily window (2022-01-03 + 600 business days), one
    # before it, and an FOMC row the report does not read
    con.execute(
        """
        create table marts.event_calendar as select * from (values
            (date '2021-12-10', 'cpi_release', date '2021-11-01'),
            (date '2022-03-10', 'cpi_release', date '2022-02-01'),
            (date '2022-03-16', 'fomc_decision', null::date)
        ) t(event_date, event_type, reference_date)
        """
    )
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
    report = render_report(con, out, subtitle="source: sample <script>alert(1)</script> & co", synthetic=True)
    daily = con.execute("select * from marts.rotation_daily order by date").df()
    con.close()
    return report, report.html_path.read_text(encoding="utf-8"), daily


@pytest.fixture(scope="module")
def drawn():
    """The chart figures of the fixture marts, drawn without writing anything."""
    con = make_marts()
    marts = data.read(con)
    warnings: list[str] = []
    result = charts.draw(
        marts.daily,
        marts.episodes,
        marts.rotation,
        marts.performance,
        warnings.append,
        cpi_releases=marts.cpi_releases,
        synthetic=True,
    )
    return result, marts, warnings


def _annotations(fig: dict, prefix: str) -> list[dict]:
    return [a for a in fig["layout"]["annotations"] if str(a.get("name", "")).startswith(prefix)]


def test_files_are_written_offline_and_self_contained(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    report, page, _ = rendered
    assert report.html_path.name == "rotation_report.html" and report.html_path.is_file()
    assert tuple(report.charts) == CHART_NAMES
    for name, path in report.charts.items():
        assert path == report.html_path.parent / "charts" / f"{name}.png"
        with Image.open(path) as img:  # the static previews of the Dagster metadata
            assert img.format == "PNG" and img.width >= 500
    # plotly.js once, in the page (gzipped, base64): nothing is fetched at view time
    assert page.count('id="plotly-js-gz"') == 1
    packed = re.search(r'<script id="plotly-js-gz" type="application/octet-stream">([^<]+)</script>', page)
    js = gzip.decompress(base64.b64decode(packed.group(1))).decode("utf-8")
    assert js == get_plotlyjs()
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img[^>]+src=\"http", page)
    assert page.count("rotationReport.plot(") == len(CHART_NAMES)
    for name in CHART_NAMES:
        assert f'id="chart-{name}"' in page
        # each figure packed the same way, and it inflates to the figure plotly draws
        figure = re.search(
            rf'<script id="figure-{name}" type="application/octet-stream">([^<]+)</script>', page
        )
        fig = json.loads(gzip.decompress(base64.b64decode(figure.group(1))))
        assert fig["data"] and fig["layout"]["title"]
        assert f'rotationReport.plot("chart-{name}", "figure-{name}", ' in page
    assert report.size_bytes == report.html_path.stat().st_size
    assert 0 < report.seconds < 60
    leftovers = [p for p in report.html_path.parent.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_as_of_is_the_last_date(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    report, page, daily = rendered
    expected = pd.Timestamp(daily["date"].max()).date()
    assert report.as_of == expected
    assert isinstance(report.as_of, dt.date)
    assert f"as of {expected.isoformat()}" in page


def link(column: str, text: str, mart: str = "rotation_daily") -> str:
    return f'<a class="src" href="#src-{mart}-{column}" title="marts.{mart}.{column}">{text}</a>'


def test_headline_states_the_latest_reading_with_each_number_linked(
    rendered: tuple[Report, str, pd.DataFrame],
) -> None:
    _, page, daily = rendered
    last = daily.iloc[-1]
    n_21d = int(daily["rut_gspc_spread_21d"].notna().sum())  # spreads up to the last date
    headline = page[
        page.index('<div class="headline"') : page.index("</div>", page.index('<div class="headline"'))
    ]
    expected = [
        link("rut_gspc_spread_21d", "+1.23 pp"),
        link("rut_gspc_spread_21d_rank_to_date", f"rank 7 of {n_21d:,}"),
        link("rut_gspc_spread_21d_pctrank_to_date", "99th percentile"),
        link("rut_dgs2_corr_63d", "-0.43"),
        link("dgs2_level_pct", "3.88%"),
        link("dgs2_change_bp", "-4.5 bp"),
        link("cut_probability_next_fomc", "40%"),  # -10 bp implied / -25 bp
        link("rut_lev_net_share_oi", "-12.3%"),
        link("ndx_am_net_share_oi_pctrank_156r", "81st percentile of 156 reports"),
        link("vix_level", "17.34") if f"{17.345:.2f}" == "17.34" else link("vix_level", "17.35"),
        link("smb_21d", "+2.34 pp"),
        link("megacap_index_weight", "31.2%"),
        link("megacap_share_of_index_ytd_total_return", "56.2%"),
        link("copper_gold_ratio", f"{last['copper_gold_ratio'] * 1000:.3f}"),
    ]
    for text in expected:
        assert text in headline, text
    assert "Small caps (^RUT) led ^GSPC" in headline
    # every linked column has its glossary row, with the contract's description
    for column in re.findall(r'href="#src-rotation_daily-([a-z0-9_]+)"', headline):
        assert f'<tr id="src-rotation_daily-{column}"><td>marts.rotation_daily.{column}</td>' in page, column
    assert "Percentile of ndx_am_net_share_oi within its trailing 156 reports" in page


def test_latest_reading_uses_pp_percent_bp_and_rank_of_n(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    _, page, daily = rendered
    last = daily.iloc[-1]
    n_5d = int(daily["rut_ndx_spread_5d"].notna().sum())
    expected = [
        '<td class="num">+1.23 pp</td>',  # a spread of returns: percentage points
        '<td class="num">-3.21 pp</td>',
        f'<td class="num">rank {int(last["rut_ndx_spread_5d_rank_to_date"]):,} of {n_5d:,}</td>',
        '<td class="num">98.8%</td>',  # a percentile: percent
        f"{LAST['dgs2_change_bp']:+.1f} bp",
        f"{last['rut_gspc_spread_10d'] * 100:+.2f} pp",
        "Copper/gold ratio × 1000 ($ per lb ÷ $ per troy oz)",
        'weight in the S&amp;P 500</td><td class="num">31.2%',
        'breadth, 30 days (-1..+1)</td><td class="num">-0.50',
    ]
    for text in expected:
        assert text in page, text
    assert re.search(r"HYG return, 21 days</td><td class=\"num\">—</td>", page)


def test_a_missing_cut_probability_is_explained(tmp_path: Path) -> None:
    con = make_marts()
    con.execute(
        "update marts.rotation_daily set cut_probability_next_fomc = null, implied_change_bp_next_fomc = null"
    )
    page = render_report(con, tmp_path).html_path.read_text(encoding="utf-8")
    assert (
        'Cut probability at the next FOMC</td><td class="num">— (no reading: the fed funds contract that prices'
        in page
    )
    assert link("cut_probability_next_fomc", "—") + " (no reading:" in page


def test_episode_tables(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    _, page, _ = rendered
    section = page[page.index('<section id="episodes">') :]
    assert "^RUT leads ^GSPC (21d)" in section and "^RUT lags ^GSPC (21d)" in section
    assert "rank 1 of 12" in section and "+8.00 pp" in section and "-8.00 pp" in section
    assert "+3.50 pp" in section  # rank 10 of the leading episodes
    assert "+3.00 pp" not in section and "+2.50 pp" not in section  # ranks 11 and 12 are cut
    assert "+55.55 pp" not in section  # a 5d episode of another pair
    assert "-12.5 bp" in section


def test_subtitle_is_escaped(rendered: tuple[Report, str, pd.DataFrame]) -> None:
    _, page, _ = rendered
    assert "<script>alert" not in page
    assert "source: sample &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_synthetic_data_is_marked_on_the_page_and_every_chart(drawn, rendered, tmp_path: Path) -> None:
    result, _, _ = drawn
    _, page, _ = rendered
    assert 'id="synthetic-banner"' in page and "[SYNTHETIC]" in page
    for name, fig in result.figures.items():
        assert _annotations(fig, "synthetic watermark"), name
        assert "SYNTHETIC DATA" in fig["layout"]["title"]["text"], name
    real = render_report(make_marts(), tmp_path, synthetic=False).html_path.read_text(encoding="utf-8")
    assert "synthetic-banner" not in real and "SYNTHETIC DATA" not in real


def test_reference_lines_are_labelled_in_their_own_colour(drawn) -> None:
    """The 99th/1st percentile lines: each label has its line's colour (the old legend showed the red
    1% line in green), and sits on its line, not in a legend on the data."""
    fig = drawn[0].figures["small_vs_large"]
    lines = {s["y0"]: s["line"]["color"] for s in fig["layout"]["shapes"] if s.get("yref") == "y3"}
    labels = {
        a["y"]: a
        for a in fig["layout"]["annotations"]
        if a.get("yref") == "y3" and "domain" in a.get("xref", "")
    }
    assert set(labels) == {0.99, 0.01}
    for y, label in labels.items():
        assert label["font"]["color"] == lines[y]
    assert lines[0.99] != lines[0.01]
    # legends above the plot area, never on the data
    for name, f in drawn[0].figures.items():
        legend = f["layout"].get("legend", {})
        assert legend.get("y", 1.0) >= 1.0 or legend.get("x", 0) >= 1.0, name


def test_time_axes_fit_the_data_shown(drawn) -> None:
    """No fixed −1..1 correlation axis: the page's script fits the y axes listed in meta.fit_y to the
    window shown; the correlation axis is one of them and has no fixed range."""
    rates = drawn[0].figures["rates"]
    assert "yaxis2" in rates["layout"]["meta"]["fit_y"]
    assert "range" not in rates["layout"]["yaxis2"]
    for name, fig in drawn[0].figures.items():
        if name != "relative_rotation":
            assert fig["layout"]["meta"]["time_series"], name
            labels = [b["label"] for b in fig["layout"]["xaxis"]["rangeselector"]["buttons"]]
            assert labels == ["1M", "3M", "YTD", "1Y", "5Y", "All"], name


def test_last_value_tags(drawn) -> None:
    result, marts, _ = drawn
    daily = marts.daily
    rates = result.figures["rates"]
    tags = {a["name"]: a for a in _annotations(rates, "last: ")}
    level = daily["dgs2_level_pct"].iloc[-1]
    assert tags["last: 2-year yield"]["text"] == f"{level:.2f}%"
    assert tags["last: 2-year yield"]["y"] == pytest.approx(level, rel=1e-6)
    # the ratio panel is logarithmic: its tags are placed in log10 units
    ratio = daily["rut_close"] / daily["gspc_close"]
    rebased = ratio.iloc[-1] / ratio.iloc[0] * 100
    tag = {a["name"]: a for a in _annotations(result.figures["small_vs_large"], "last: ")}[
        "last: ^RUT/^GSPC ratio"
    ]
    assert tag["y"] == pytest.approx(np.log10(rebased), rel=1e-5)
    assert tag["text"] == f"{rebased:.1f}"
    # a spread's tag is in percentage points
    spread_tag = {a["name"]: a for a in _annotations(result.figures["small_vs_large"], "last: ")}[
        "last: ^RUT − ^GSPC, 21d"
    ]
    assert spread_tag["text"] == "+1.23 pp"


def test_pairs_and_segments_come_from_the_marts(drawn) -> None:
    result, marts, _ = drawn
    explorer = result.figures["pair_explorer"]
    pairs = explorer["layout"]["meta"]["pairs"]
    assert sorted(pairs) == sorted(PERFORMANCE_PAIRS) and pairs[0] == "^RUT/^GSPC"
    assert [b["label"] for b in explorer["layout"]["updatemenus"][0]["buttons"]] == pairs
    # only the explorer's horizon is read
    assert set(marts.performance["horizon"]) == {"21d"}
    rrg = result.figures["relative_rotation"]
    assert rrg["layout"]["meta"]["segments"] == sorted(SEGMENTS)
    assert [t["name"] for t in rrg["data"]] == [f"{s} vs SPY" for s in sorted(SEGMENTS)]


def test_the_rotation_graph_steps_through_weeks(drawn) -> None:
    result, marts, _ = drawn
    rrg = result.figures["relative_rotation"]
    week_ends = rrg_tails(marts.rotation, points=10_000)
    weeks = sorted(pd.to_datetime(week_ends["date"]).unique())
    assert len(rrg["frames"]) == min(len(weeks), 156)
    assert [s["label"] for s in rrg["layout"]["sliders"][0]["steps"]] == [f["name"] for f in rrg["frames"]]
    # the last frame is today's graph: each segment's last 10 week-end points
    tails = rrg_tails(marts.rotation)
    for trace in rrg["frames"][-1]["data"]:
        segment = trace["name"].split(" vs ")[0]
        expected = tails[tails["segment"] == segment]["rs_ratio"].round(3).tolist()
        assert trace["x"] == expected
        assert trace["text"][-1] == f"<b>{segment}</b>"  # the label on the head


def test_label_goes_ahead_of_the_head_away_from_its_tail() -> None:
    assert charts._label_position(np.array([100.0, 101.0]), np.array([100.0, 99.0])) == "bottom right"
    assert charts._label_position(np.array([101.0, 100.0]), np.array([99.0, 100.0])) == "top left"


def test_diamonds_caption_counts_records_or_says_none(rendered, tmp_path: Path) -> None:
    _, page, daily = rendered
    records_21d = int(
        daily["rut_gspc_is_record_21d"].fillna(False).sum()
        + daily["rut_ndx_is_record_21d"].fillna(False).sum()
    )
    assert f"21d: {records_21d}" in page
    con = make_marts()
    for pair in ("rut_gspc", "rut_ndx"):
        for h in (5, 10, 21):
            con.execute(f"update marts.rotation_daily set {pair}_is_record_{h}d = false")
    none = render_report(con, tmp_path).html_path.read_text(encoding="utf-8")
    assert "No spread set a new record in the whole history shown, so no diamonds are drawn." in none


def test_empty_relative_rotation_still_renders(tmp_path: Path) -> None:
    con = make_marts(empty_rrg=True)
    report = render_report(con, tmp_path / "out")
    assert report.html_path.is_file()
    assert all(p.is_file() for p in report.charts.values())
    assert any(w.startswith("relative_rotation") and "no data" in w for w in report.warnings)


def test_empty_and_all_null_tables_do_not_crash(tmp_path: Path) -> None:
    con = make_marts()
    con.execute("delete from marts.rotation_episodes")
    con.execute(
        "update marts.rotation_daily set rut_dgs2_corr_63d = null, gspc_dgs2_corr_63d = null, "
        "ndx_dgs2_corr_63d = null, rut_lev_net_share_oi = null, rut_am_net_share_oi = null, "
        "ndx_lev_net_share_oi = null, ndx_am_net_share_oi = null"
    )
    report = render_report(con, tmp_path)
    assert any(w.startswith("rates") and "correlation" in w for w in report.warnings)
    assert any(w.startswith("positioning") for w in report.warnings)

    for table in ("rotation_daily", "relative_rotation", "relative_performance"):
        con.execute(f"delete from marts.{table}")
    report = render_report(con, tmp_path)
    assert report.as_of is None
    for name in CHART_NAMES:
        assert any(w.startswith(name) for w in report.warnings), name
        with Image.open(report.charts[name]) as img:
            assert img.width >= 500


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


def test_a_last_row_not_complete_yet_does_not_blank_the_headline(tmp_path: Path) -> None:
    """On the real snapshot the last row of rotation_daily can be a date whose closes are not in yet
    (only a few columns filled): the headline reads the last date with the 21-day spread, and a value
    missing there is its latest earlier one, with its date."""
    con = make_marts()
    daily = con.execute("select * from marts.rotation_daily order by date").df()
    last, previous = daily["date"].iloc[-1], daily["date"].iloc[-2]
    con.execute(
        "insert into marts.rotation_daily (date, megacap_index_weight) values (? + interval 3 day, 0.5)",
        [last],
    )
    con.execute("update marts.rotation_daily set vix_level = null where date = ?", [last])
    page = render_report(con, tmp_path).html_path.read_text(encoding="utf-8")
    headline = page[page.index('<div class="headline"') :]
    assert link("date", pd.Timestamp(last).date().isoformat()) in headline  # not the incomplete day
    assert link("rut_gspc_spread_21d", "+1.23 pp") in headline
    vix = daily.loc[daily["date"] == previous, "vix_level"].iloc[0]
    assert (
        link("vix_level", f"{vix:.2f}") + f' <span class="stale">(as of {pd.Timestamp(previous).date()})'
        in headline
    )


def test_the_rates_chart_marks_the_cpi_releases_within_its_window(drawn) -> None:
    """event_calendar's CPI releases are diamonds on the rates chart, each naming the month it reports;
    a release before the chart's first date and the other event types are not drawn."""
    result, marts, _ = drawn
    assert set(marts.cpi_releases["event_type"]) == {"cpi_release"}  # read: CPI rows only
    fig = result.figures["rates"]
    (cpi,) = [t for t in fig["data"] if t.get("name") == "CPI release"]
    assert list(cpi["x"]) == ["2022-03-10"]
    assert list(cpi["customdata"]) == ["Feb 2022"]
    assert fig["layout"]["meta"]["cpi_releases"] == 1
