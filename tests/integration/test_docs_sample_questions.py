"""The "Twelve analyst questions" of docs/questions.md, run as written on the sample warehouse.

Each question is a bold question, an HTML comment ``<!-- sample-question: N -->``, a ```sql block
and one sentence on how to read the result. Every query must return rows with no all-null column,
and several answers are recomputed with pandas from other marts (or from the whole table).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from warehouse import db

pytestmark = pytest.mark.slow

QUESTIONS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "questions.md"
SECTION = re.compile(r"^## Twelve analyst questions\n(?P<body>.*?)(?=^## |\Z)", re.S | re.M)
BLOCK = re.compile(
    r"\*\*(?P<qn>\d+)\. (?P<question>[^*]+?)\*\*[^\S\n]*\n[^\S\n]*\n"
    r"<!-- sample-question: (?P<n>\d+) -->[^\S\n]*\n"
    r"```sql[^\n]*\n(?P<sql>.*?)\n```[^\S\n]*\n"
    r"[^\S\n]*\n(?P<reading>[^\n]+)",
    re.S,
)
MARKER = re.compile(r"<!-- sample-question: (\d+) -->")


def docs_sample_questions() -> dict[int, str]:
    text = QUESTIONS_PAGE.read_text(encoding="utf-8")
    section = SECTION.search(text)
    assert section, f'{QUESTIONS_PAGE} has no "## Twelve analyst questions" section'
    blocks = list(BLOCK.finditer(section["body"]))
    markers = MARKER.findall(text)
    assert len(blocks) == len(markers), (
        f"{len(markers)} sample-question markers in {QUESTIONS_PAGE} but {len(blocks)} complete blocks (bold "
        "question, marker, ```sql fence, blank line, one sentence) in its Twelve analyst questions section "
        '(which runs to the next "## " heading or the end of the page)'
    )
    questions = {}
    for block in blocks:
        n = int(block["n"])
        assert int(block["qn"]) == n, f"question {block['qn']} carries the marker sample-question: {n}"
        assert block["question"].strip().endswith("?"), f"question {n} is not a question"
        assert block["reading"].strip() and not block["reading"].startswith(("```", "<!--", "**", "#")), (
            f"question {n}: no sentence on how to read the result after the SQL"
        )
        assert n not in questions, f"sample-question {n} appears twice"
        questions[n] = block["sql"]
    return questions


def test_twelve_numbered_questions():
    assert sorted(docs_sample_questions()) == list(range(1, 13))


@pytest.fixture(scope="module")
def serving(sample_warehouse):
    settings, run = sample_warehouse
    assert run.success, run.failures
    # locked down as `rotation sql` opens it (warehouse.db.QUERY_LOCKDOWN): the documented questions
    # must run there too
    with db.connect(settings.serving_db, read_only=True, locked_down=True) as con:
        yield con


@pytest.fixture(scope="module")
def answers(serving) -> dict[int, pd.DataFrame]:
    out = {}
    for n, sql in docs_sample_questions().items():
        out[n] = serving.execute(sql).df()
    return out


def table(con, sql: str, *params) -> pd.DataFrame:
    return con.execute(sql, list(params)).df()


def day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def test_every_question_returns_rows_and_no_all_null_column(answers):
    assert sorted(answers) == list(range(1, 13))
    for n, df in answers.items():
        assert len(df) >= 1, f"sample question {n} returns no rows on the sample warehouse"
        empty = [column for column in df.columns if df[column].isna().all()]
        assert not empty, f"sample question {n}: columns with only nulls: {empty}"


def test_q1_spreads_agree_with_rotation_daily_and_ranks_with_pandas(answers, serving):
    got = answers[1].set_index("pair")
    daily = table(serving, "select * from marts.rotation_daily where date = date '2024-07-16'").iloc[0]
    assert got.loc["^RUT/^GSPC", "spread_pp"] == pytest.approx(daily["rut_gspc_spread_5d"] * 100, abs=0.006)
    assert got.loc["^RUT/^NDX", "spread_pp"] == pytest.approx(daily["rut_ndx_spread_5d"] * 100, abs=0.006)
    history = table(
        serving, "select pair, date, return_spread from marts.relative_performance where horizon = '5d'"
    )
    history["date"] = history["date"].map(day)
    for pair, row in got.iterrows():
        spreads = history[history["pair"] == pair].sort_values("date")
        today = spreads[spreads["date"] == day("2024-07-16")]["return_spread"].iloc[0]
        earlier = spreads[spreads["date"] < day("2024-07-16")]["return_spread"]
        so_far = spreads[spreads["date"] <= day("2024-07-16")]["return_spread"]
        assert row["spread_rank_to_date"] == int((so_far > today).sum()) + 1, pair
        assert bool(row["is_record"]) == bool(today > earlier.max()), pair
    assert got.loc["^RUT/^GSPC", "is_record"], "the scripted July 2024 rotation should set a 5-day record"


def test_q3_days_in_top_percentile_match_an_expanding_percentile_of_relative_performance(answers, serving):
    """rotation_daily's point-in-time percentile, recomputed from the pair's 21-day spreads."""
    spreads = table(
        serving,
        "select date, return_spread from marts.relative_performance "
        "where pair = '^RUT/^GSPC' and horizon = '21d' order by date",
    )
    values = spreads["return_spread"].to_numpy()
    spreads["pctile"] = [(values[: i + 1] <= values[i]).sum() / (i + 1) for i in range(len(values))]
    spreads["date"] = spreads["date"].map(day)
    window = spreads[(spreads["date"] >= day("2005-01-01")) & (spreads["date"] <= day("2024-12-31"))]
    top = window[window["pctile"] >= 0.99]
    expected = top.groupby(top["date"].dt.year).size()
    got = answers[3].set_index("yr")["days_in_top_1pct"]
    assert {int(k): int(v) for k, v in got.items()} == {int(k): int(v) for k, v in expected.items()}
    maxima = window.groupby(window["date"].dt.year)["return_spread"].max()
    for year, shown in answers[3].set_index("yr")["max_spread_21d_pp"].items():
        assert shown == pytest.approx(maxima[year] * 100, abs=0.006), year
    assert {2016, 2024} <= set(int(y) for y in got.index), "the scripted rotations should be in the top 1%"


def test_q4_episodes_agree_with_relative_performance(answers, serving):
    """Each episode's peak is the largest 10-day spread between its first and last date, and its
    length counts the pair's trading dates in between."""
    spreads = table(
        serving,
        "select date, return_spread from marts.relative_performance where pair = '^RUT/^NDX' and horizon = '10d'",
    )
    spreads["date"] = spreads["date"].map(day)
    got = answers[4]
    assert list(got["peak_rank_full_history"]) == list(range(1, len(got) + 1))
    for _, row in got.iterrows():
        inside = spreads[
            (spreads["date"] >= day(row["start_date"])) & (spreads["date"] <= day(row["end_date"]))
        ]
        assert row["trading_days"] == len(inside)
        assert row["peak_spread_pp"] == pytest.approx(inside["return_spread"].max() * 100, abs=0.006)
        peak = inside.loc[inside["return_spread"].idxmax(), "date"]
        assert day(row["peak_date"]) == peak
    assert day(got.iloc[0]["start_date"]).year == 2024, "the scripted July 2024 rotation should rank first"


def test_q6_correlation_is_what_rotation_daily_knew_the_next_day(answers, serving):
    got = answers[6].set_index(["symbol", "window_days"])
    daily = table(serving, "select * from marts.rotation_daily where date = date '2024-07-16'").iloc[0]
    assert day(daily["dgs2_corr_as_of"]) == day("2024-07-15")
    for symbol, column in (
        ("^RUT", "rut_dgs2_corr_63d"),
        ("^GSPC", "gspc_dgs2_corr_63d"),
        ("^NDX", "ndx_dgs2_corr_63d"),
    ):
        assert got.loc[(symbol, 63), "corr_with_dgs2"] == pytest.approx(daily[column], abs=0.006), symbol


def test_q7_dgs2_level_is_the_last_observation_before_each_date(answers, serving):
    dgs2 = table(
        serving, "select date, value from marts.front_end_rates where rate_series = 'DGS2' order by date"
    )
    dgs2["date"] = dgs2["date"].map(day)
    dates = pd.DataFrame({"date": [day(d) for d in answers[7]["date"]]}).sort_values("date")
    known = pd.merge_asof(dates, dgs2, on="date", allow_exact_matches=False)
    assert list(answers[7]["dgs2_level_pct"]) == pytest.approx(list(known["value"]), abs=1e-9)


def test_q8_counts_agree_with_pandas_over_both_marts(answers, serving):
    futures = table(
        serving,
        "select date, cut_probability_next_fomc as p, implied_change_bp_next_fomc as bp from marts.front_end_rates "
        "where rate_series = 'ZQ=F_IMPLIED' and cut_probability_next_fomc is not null",
    )
    daily = table(serving, "select date, rut_gspc_spread_21d from marts.rotation_daily")
    both = futures.merge(daily, on="date")
    both = both[(both["date"].map(day) >= day("2001-01-01")) & (both["date"].map(day) <= day("2024-12-31"))]
    cut = both["p"] >= 0.5
    got = answers[8].set_index("fed_pricing")
    assert got.loc["cut priced", "trading_days"] == int(cut.sum())
    assert got.loc["no cut priced", "trading_days"] == int((~cut).sum())
    assert got.loc["cut priced", "avg_rut_gspc_21d_pp"] == pytest.approx(
        both.loc[cut, "rut_gspc_spread_21d"].mean() * 100, abs=0.006
    )
    assert got.loc["cut priced", "avg_implied_change_bp"] == pytest.approx(
        both.loc[cut, "bp"].mean(), abs=0.06
    )


def test_q9_positions_are_those_rotation_daily_shows_at_that_close(answers, serving):
    got = answers[9].set_index("trader_group")
    daily = table(serving, "select * from marts.rotation_daily where date = date '2024-07-19'").iloc[0]
    assert set(got["report_date"].map(day)) == {day(daily["rut_positioning_report_date"])}
    assert got.loc["leveraged_funds", "net_pct_oi"] == pytest.approx(
        daily["rut_lev_net_share_oi"] * 100, abs=0.06
    )
    assert got.loc["asset_manager", "net_pct_oi"] == pytest.approx(
        daily["rut_am_net_share_oi"] * 100, abs=0.06
    )
    close = pd.Timestamp("2024-07-19 16:00", tz="America/New_York")
    assert all(pd.Timestamp(t) <= close for t in got["available_at"])


def test_q10_rs_ratio_recomputed_from_the_whole_table(answers, serving):
    rrg = table(serving, "select date, segment, rs from marts.relative_rotation order by segment, date")
    rrg["rs_ratio"] = 100 * rrg["rs"] / rrg.groupby("segment")["rs"].transform(lambda s: s.rolling(63).mean())
    rrg["date"] = rrg["date"].map(day)
    expected = rrg.set_index(["segment", "date"])["rs_ratio"]
    for _, row in answers[10].iterrows():
        assert row["rs_ratio"] == pytest.approx(expected[(row["segment"], day(row["date"]))], abs=0.006)
    quadrants = answers[10].set_index(["segment", answers[10]["date"].map(day)])["quadrant"]
    assert quadrants[("IWM", day("2024-07-26"))] == "leading"
    assert not np.any(answers[10]["quadrant"].isna())


def test_q11_contributions_recomputed_from_raw_closes_and_the_seeds(answers, serving, sample_warehouse):
    """Start-of-year weight × return from the build file's raw closes, the seed share counts and the
    capitalization anchor, with pandas, on both bases: total return (adjusted closes, SPY's for the
    index) and price (unadjusted closes, ^GSPC)."""
    settings, _ = sample_warehouse
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        raw = con.execute(
            "select symbol, date, close, adj_close, close_is_adjusted from raw.prices where symbol in "
            "('^GSPC', 'SPY', 'NVDA', 'MSFT', 'AAPL', 'GOOGL', 'AMZN', 'META')"
        ).df()
    raw["date"] = raw["date"].map(day)
    raw["total"] = raw["adj_close"].where(
        raw["adj_close"].notna(), raw["close"].where(raw["close_is_adjusted"])
    )
    raw["price"] = raw["close"].where(~raw["close_is_adjusted"].astype(bool))
    closes = raw.pivot(index="date", columns="symbol", values="close")
    total = raw.pivot(index="date", columns="symbol", values="total")
    price = raw.pivot(index="date", columns="symbol", values="price")
    shares = table(serving, "select * from reference.shares_outstanding")
    anchor = table(serving, "select * from reference.index_capitalization").iloc[0]
    base = closes.index[closes.index < day("2024-01-01")].max()
    end = day("2024-12-31")
    cap = anchor["market_cap_usd"] * closes.loc[base, "^GSPC"] / closes.loc[day(anchor["as_of"]), "^GSPC"]
    index_total = total.loc[end, "SPY"] / total.loc[base, "SPY"] - 1
    index_price = closes.loc[end, "^GSPC"] / closes.loc[base, "^GSPC"] - 1
    expected = {}
    for symbol in ["NVDA", "MSFT", "AAPL", "GOOGL", "AMZN", "META"]:
        counts = shares[
            (shares["symbol"] == symbol) & (shares["as_of"].map(day) <= base + pd.Timedelta(days=45))
        ]
        count = counts.sort_values("as_of")["shares_outstanding"].iloc[-1]
        start_weight = count * closes.loc[base, symbol] / cap
        expected[symbol] = (
            count * closes.loc[end, symbol],
            start_weight * (total.loc[end, symbol] / total.loc[base, symbol] - 1),
            start_weight * (price.loc[end, symbol] / price.loc[base, symbol] - 1),
        )
    got = answers[11].set_index("symbol")
    assert list(got.index) == sorted(expected, key=lambda s: -expected[s][0]), (
        "size_rank orders by market cap"
    )
    for symbol, (_, contribution, _) in expected.items():
        assert got.loc[symbol, "contribution_to_total_return_pp"] == pytest.approx(
            contribution * 100, abs=0.006
        ), symbol
    group_total = sum(c for _, c, _ in expected.values()) / index_total
    group_price = sum(c for _, _, c in expected.values()) / index_price
    assert list(got["six_names_share_of_total_return_pct"]) == pytest.approx(
        [group_total * 100] * 6, abs=0.06
    )
    assert list(got["six_names_share_of_price_return_pct"]) == pytest.approx(
        [group_price * 100] * 6, abs=0.06
    )
    assert abs(group_total - group_price) > 0.001, "the sample's dividends should tell the bases apart"
    assert not got["shares_count_is_stale"].any()
    daily = table(serving, "select * from marts.rotation_daily where date = date '2024-12-31'").iloc[0]
    assert daily["megacap_share_of_index_ytd_total_return"] == pytest.approx(group_total, abs=1e-9)


def test_q12_thirty_day_changes_and_breadth_from_the_mart_history(answers, serving):
    """Each 30-day change from the latest capture on or before 30 days earlier (at most 7 days older,
    same year-ago figure), and the breadth as the mean sign over the mega caps, with pandas."""
    history = table(
        serving, "select capture_date, symbol, period, revenue_avg, is_megacap from marts.revisions"
    )
    history["capture_date"] = history["capture_date"].map(day)
    captured = history["capture_date"].max()
    assert captured == day("2024-12-31")
    got = answers[12].set_index(["period", "symbol"])
    for period in ["0y", "+1y"]:
        signs = []
        for symbol in ["NVDA", "MSFT", "AAPL", "GOOGL", "AMZN", "META"]:
            own = history[(history["symbol"] == symbol) & (history["period"] == period)].set_index(
                "capture_date"
            )
            earlier = own[own.index <= captured - pd.Timedelta(days=30)]
            base_day = earlier.index.max()
            assert base_day >= captured - pd.Timedelta(days=37)
            change = own.loc[captured, "revenue_avg"] / earlier.loc[base_day, "revenue_avg"] - 1
            assert got.loc[(period, symbol), "revenue_change_30cd_pct"] == pytest.approx(
                change * 100, abs=0.006
            )
            signs.append(np.sign(change))
        assert list(got.loc[period, "megacap_breadth_30cd"]) == pytest.approx([np.mean(signs)] * 6, abs=0.006)
