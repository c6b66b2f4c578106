"""Acceptance: the rotation questions of docs/questions.md, run as written on the real snapshot.

Each question on that page is an HTML comment ``<!-- question: NAME -->``, a ```sql block and the
result table. The test runs the SQL on serving.duckdb, checks the table shown is what it returns
(numbers to the digits shown), and recomputes the key numbers of the answers with pandas from the raw
files.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.acceptance.test_snapshot_rates import read_fred
from tests.acceptance.test_snapshot_relative_performance import read_basis

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

QUESTIONS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "questions.md"
QUESTION = re.compile(
    r"<!-- question: (?P<name>[\w-]+) -->\s*```sql\n(?P<sql>.*?)```\s*\n(?P<table>(?:\|[^\n]*\|\n)+)", re.S
)


def docs_questions() -> dict[str, tuple[str, list[str], list[list[str]]]]:
    questions = {}
    for match in QUESTION.finditer(QUESTIONS_PAGE.read_text(encoding="utf-8")):
        lines = match["table"].strip().splitlines()
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
        questions[match["name"]] = (match["sql"], header, rows)
    return questions


def shown_equals(cell: str, value) -> bool:
    """True when the table cell on the page shows ``value`` (numbers to the digits shown, null as empty)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return cell == ""
    if isinstance(value, bool):
        return cell == str(value).lower()
    if isinstance(value, int | float):
        if cell == "":
            return False
        decimals = len(cell.split(".")[1]) if "." in cell else 0
        return abs(float(cell) - value) <= 0.5 * 10**-decimals + 1e-12
    return cell == str(value)


@pytest.fixture(scope="module")
def answers(snapshot_warehouse):
    settings, _ = snapshot_warehouse
    questions = docs_questions()
    assert set(questions) == {
        "rotation-now",
        "largest-episodes",
        "rates-and-positioning",
        "small-cap-styles",
        "size-across-regions",
        "rut-largest-since",
        "vxn-percentile",  # checked in test_snapshot_factors_vol.py
        "momentum-unwind",  # checked in test_snapshot_factors_vol.py
    }, f"questions found in {QUESTIONS_PAGE}: {sorted(questions)}"
    results = {}
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        for name, (sql, header, rows) in questions.items():
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description]
            got = cursor.fetchall()
            assert columns == header, (
                f"{name}: docs/questions.md table columns {header}, query returns {columns}"
            )
            assert len(got) == len(rows), (
                f"{name}: docs/questions.md shows {len(rows)} rows, query returns {len(got)}"
            )
            for i, (shown, actual) in enumerate(zip(rows, got, strict=True)):
                for column, cell, value in zip(columns, shown, actual, strict=True):
                    assert shown_equals(cell, value), (
                        f"{name} row {i} {column}: docs/questions.md shows {cell!r}, query {value!r}"
                    )
            results[name] = pd.DataFrame(got, columns=columns)
    return results


def test_rotation_now_matches_pandas(answers, snapshot_dir):
    """Question 1: the 5-day spread, its rank among spreads so far, and the DGS2 level known the day
    before, recomputed from the Yahoo and FRED files."""
    got = answers["rotation-now"].set_index("date")
    both = pd.concat(
        [read_basis(snapshot_dir, "^RUT"), read_basis(snapshot_dir, "^GSPC")], axis=1, join="inner"
    )
    five = both / both.shift(5) - 1
    spread = (five["^RUT"] - five["^GSPC"]).dropna()
    rank_so_far = spread.expanding().rank(method="min", ascending=False)
    dgs2 = read_fred(snapshot_dir, "DGS2").dropna()
    for date, row in got.iterrows():
        day = pd.Timestamp(date)
        assert row["spread_5d_pp"] == pytest.approx(round(spread[day] * 100, 2), abs=1e-9)
        assert row["rank_5d_so_far"] == rank_so_far[day]
        assert row["record_5d"] == bool(spread[day] > spread[spread.index < day].max())
        assert row["dgs2_pct"] == pytest.approx(dgs2[dgs2.index < day].iloc[-1])
    july_16 = got.loc[pd.Timestamp("2024-07-16").date()]
    assert july_16["rank_5d_so_far"] == 1 and july_16["record_5d"], "the answer docs/questions.md gives"


def test_largest_episodes_peak_where_pandas_says(answers, snapshot_dir):
    """Question 2: each episode's peak is the largest 21-day spread between its start and end."""
    both = pd.concat(
        [read_basis(snapshot_dir, "^RUT"), read_basis(snapshot_dir, "^GSPC")], axis=1, join="inner"
    )
    month = both / both.shift(21) - 1
    spread = (month["^RUT"] - month["^GSPC"]).dropna()
    episodes = answers["largest-episodes"]
    assert list(episodes["peak_rank_full_history"]) == sorted(episodes["peak_rank_full_history"])
    for _, episode in episodes.iterrows():
        inside = spread[pd.Timestamp(episode["start_date"]) : pd.Timestamp(episode["end_date"])]
        assert inside.idxmax() == pd.Timestamp(episode["peak_date"])
        assert episode["peak_spread_pp"] == pytest.approx(round(inside.max() * 100, 2), abs=1e-9)
        assert episode["trading_days"] == len(inside)


def test_rates_and_positioning_summary_counts_the_episodes(answers, snapshot_warehouse):
    """Question 3: the summary counts every 21-day ^RUT/^GSPC episode of each direction."""
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        counts = dict(
            con.execute(
                "select direction, count(*) from marts.rotation_episodes "
                "where pair = '^RUT/^GSPC' and horizon = '21d' group by direction"
            ).fetchall()
        )
    summary = answers["rates-and-positioning"].set_index("direction")
    assert summary["episodes"].to_dict() == counts
    assert (summary["with_dgs2"] <= summary["episodes"]).all()


JULY_16 = pd.Timestamp("2024-07-16")


def five_day(prices: pd.Series) -> pd.Series:
    return (prices / prices.shift(5) - 1).dropna()


def last_larger_before(series: pd.Series, day: pd.Timestamp) -> pd.Timestamp | None:
    """The last date before ``day`` whose value is larger than the value on ``day`` (brute force)."""
    earlier = series[(series.index < day) & (series > series[day])]
    return earlier.index.max() if len(earlier) else None


def test_small_cap_styles_match_pandas(answers, snapshot_dir):
    """Question 4: IWN's and IWO's own 5-day returns to 2024-07-16, their rank so far and the last
    earlier date with a larger one, from the Yahoo files."""
    got = answers["small-cap-styles"].set_index("symbol")
    assert sorted(got.index) == ["IWN", "IWO"]
    for symbol, row in got.iterrows():
        five = five_day(read_basis(snapshot_dir, symbol))
        assert row["return_5d_pct"] == pytest.approx(round(five[JULY_16] * 100, 2), abs=1e-9), symbol
        assert row["rank_so_far"] == 1 + (five[five.index < JULY_16] > five[JULY_16]).sum(), symbol
        assert pd.Timestamp(row["best_since"]) == last_larger_before(five, JULY_16), symbol
    assert got.loc["IWN", "return_5d_pct"] > got.loc["IWO", "return_5d_pct"], "value led growth"


def test_size_across_regions_matches_pandas(answers, snapshot_dir):
    """Question 5: the 5-day spreads of SCZ/EFA and IWM/SPY to 2024-07-16 on each pair's common
    calendar, their rank so far and the last earlier date with a larger spread."""
    got = answers["size-across-regions"].set_index("pair")
    assert sorted(got.index) == ["IWM/SPY", "SCZ/EFA"]
    for pair, row in got.iterrows():
        numerator, denominator = pair.split("/")
        both = pd.concat(
            [read_basis(snapshot_dir, numerator), read_basis(snapshot_dir, denominator)], axis=1, join="inner"
        )
        five = both / both.shift(5) - 1
        spread = (five[numerator] - five[denominator]).dropna()
        assert row["spread_5d_pp"] == pytest.approx(round(spread[JULY_16] * 100, 2), abs=1e-9), pair
        assert row["rank_so_far"] == 1 + (spread[spread.index < JULY_16] > spread[JULY_16]).sum(), pair
        expected = last_larger_before(spread, JULY_16)
        shown = row["largest_since"]
        assert (pd.isna(shown) and expected is None) or pd.Timestamp(shown) == expected, pair
    assert got.loc["IWM/SPY", "spread_5d_pp"] > got.loc["SCZ/EFA", "spread_5d_pp"], (
        "small caps led by much less outside the US"
    )


def test_rut_largest_since_matches_pandas(answers, snapshot_dir):
    """Question 6: the last date before 2024-07-16 with a larger 5-day ^RUT gain, and that gain."""
    got = answers["rut-largest-since"].iloc[0]
    five = five_day(read_basis(snapshot_dir, "^RUT"))
    earlier = last_larger_before(five, JULY_16)
    assert earlier is not None
    assert pd.Timestamp(got["larger_last_seen"]) == earlier
    assert got["rut_5d_pct"] == pytest.approx(round(five[JULY_16] * 100, 2), abs=1e-9)
    assert got["rank_so_far"] == 1 + (five[five.index < JULY_16] > five[JULY_16]).sum()
    assert got["that_5d_pct"] == pytest.approx(round(five[earlier] * 100, 2), abs=1e-9)
