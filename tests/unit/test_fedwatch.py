"""marts.front_end_rates' FedWatch chain for the next three FOMC meetings, on hand-made rows.

The fed funds contracts' prices are built here forward, day by day, from a known path of rate moves
(one move per meeting, a new rate from the day after the meeting): each month's implied rate is the
plain average of that path over the month's calendar days. The mart, built by dbt from those rows,
must recover each meeting's move (the inverse problem), pick the next month's contract for a meeting
late in its month, read the effective rate published before the date only, and leave a meeting
without a value where the contract it needs has no close (and every later meeting, whose chain
starts from it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingestion.settings import DBT_PROJECT_DIR

MEETINGS = [
    *(dt.date(2024, m, d) for m, d in ((5, 1), (6, 12), (7, 31), (9, 18), (11, 7), (12, 18))),
    dt.date(2025, 1, 29),
]
UNSCHEDULED = dt.date(2024, 8, 20)  # not known in advance: never a "next meeting"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def path_rate(day: dt.date, start_rate: float, moves: dict[dt.date, float]) -> float:
    """The effective rate on ``day``: ``start_rate`` plus every move (bp) of a meeting before it."""
    return start_rate + sum(bp / 100 for meeting, bp in moves.items() if meeting < day)


def month_average(month: dt.date, start_rate: float, moves: dict[dt.date, float]) -> float:
    days = calendar.monthrange(month.year, month.month)[1]
    return sum(path_rate(month.replace(day=d), start_rate, moves) for d in range(1, days + 1)) / days


# Trading date -> (effective rate published before it, the moves priced at the next meetings (bp),
# contract months left without a close that day).
SCENARIOS: dict[dt.date, tuple[float, list[float], set[dt.date]]] = {
    # June meeting on the 12th of 30 days: the front month (ZQ=F); July 31 is late in July (the
    # August contract); September 18: the September contract.
    dt.date(2024, 6, 3): (5.33, [-10.0, -25.0, -5.0], set()),
    # July 31 late: August; then September 18 and November 7 on their own months
    dt.date(2024, 7, 15): (5.33, [0.0, -50.0, -25.0], set()),
    # hikes and a mixed path
    dt.date(2024, 7, 17): (5.33, [7.5, 12.5, -20.0], set()),
    # no September close: the next meeting has no value, nor do the two after it (broken chain)
    dt.date(2024, 8, 5): (5.33, [-25.0, -25.0, -25.0], {dt.date(2024, 9, 1)}),
    # no November close: the first meeting (September) priced, the second and third not
    dt.date(2024, 8, 8): (5.33, [-25.0, -25.0, -25.0], {dt.date(2024, 11, 1)}),
}
# DFF dated on the trading date itself is published the next morning: never read on that date (the
# scenarios' dates are two days apart or more, so the day before each holds its own DFF).
BOGUS_SAME_DAY_DFF = 9.99


def build_inputs(path: Path) -> dict[dt.date, dict[int, float | None]]:
    """The mart's four inputs in a DuckDB file; returns the moves the mart must recover per date and
    meeting number (None where it must have no value)."""
    rates, strip, expected = [], [], {}
    for day, (effective, priced, missing) in SCENARIOS.items():
        upcoming = [m for m in MEETINGS if m > day][:3]
        moves = dict(zip(upcoming, priced, strict=True))
        rates.append(("DFF", day - dt.timedelta(days=1), effective))
        rates.append(("DFF", day, BOGUS_SAME_DAY_DFF))
        rates.append(("ZQ=F_IMPLIED", day, month_average(month_start(day), effective, moves)))
        for ahead in range(1, 8):
            month = add_months(day, ahead)
            if month not in missing:
                symbol = f"ZQ{'FGHJKMNQUVXZ'[month.month - 1]}{month.year % 100:02d}.CBT"
                strip.append((day, "ZQ", symbol, month, month_average(month, effective, moves)))
            # a SOFR contract of the same month, at a rate far off: never read by the fed funds chain
            strip.append((day, "SR3", f"SR3X{month:%y%m}.CME", month, 1.0))
        expected[day] = {}
        for k, meeting in enumerate(upcoming, start=1):
            days = calendar.monthrange(meeting.year, meeting.month)[1]
            priced_month = month_start(meeting) if days - meeting.day >= 5 else add_months(meeting, 1)
            broken = any(
                (month_start(m) if calendar.monthrange(m.year, m.month)[1] - m.day >= 5 else add_months(m, 1))
                in missing
                for m in upcoming[:k]
            )
            expected[day][k] = None if broken or priced_month in missing else priced[k - 1]
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate; create schema reference")
        con.execute(
            "create table intermediate.int_rates__daily (rate_series varchar, date date, value double, "
            "previous_date date, change_bp double, is_roll_day boolean, is_stale boolean)"
        )
        con.executemany(
            "insert into intermediate.int_rates__daily values (?, ?, ?, null, null, false, false)", rates
        )
        con.execute(
            "create table intermediate.int_rates__futures_strip (date date, root varchar, symbol varchar, "
            "contract_month date, reference_start date, reference_end date, implied_rate double, "
            "is_stale boolean)"
        )
        con.executemany(
            "insert into intermediate.int_rates__futures_strip values (?, ?, ?, ?, null, null, ?, false)",
            strip,
        )
        con.execute("create table reference.rate_series (rate_series varchar, name varchar, kind varchar)")
        con.execute(
            "insert into reference.rate_series values ('DFF', 'fed funds', 'fred'), "
            "('ZQ=F_IMPLIED', 'front month', 'futures_implied')"
        )
        con.execute("create table reference.fomc_meetings (meeting_date date, scheduled boolean)")
        con.executemany(
            "insert into reference.fomc_meetings values (?, ?)",
            [(m, True) for m in MEETINGS] + [(UNSCHEDULED, False)],
        )
    return expected


@pytest.fixture(scope="module")
def mart(tmp_path_factory):
    home = tmp_path_factory.mktemp("fedwatch")
    db = home / "build.duckdb"
    expected = build_inputs(db)
    env = {**os.environ, "ROTATION_BUILD_DB": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "run",
            "--select",
            "front_end_rates",
            "--profiles-dir",
            ".",
            "--target-path",
            str(home / "target"),
            "--log-path",
            str(home / "logs"),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select date, next_fomc_date, second_fomc_date, third_fomc_date, implied_change_bp_next_fomc, "
            "implied_change_bp_second_fomc, implied_change_bp_third_fomc, cut_probability_next_fomc, "
            "cut_probability_second_fomc, cut_probability_third_fomc "
            "from marts.front_end_rates where rate_series = 'ZQ=F_IMPLIED' order by date"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}, expected


def test_each_meeting_recovers_the_move_its_prices_were_built_from(mart):
    rows, expected = mart
    assert set(rows) == set(SCENARIOS)
    for day, row in rows.items():
        dates, changes, probabilities = row[0:3], row[3:6], row[6:9]
        assert list(dates) == [m for m in MEETINGS if m > day][:3], f"{day}: meeting dates {dates}"
        for k in (1, 2, 3):
            want, got, p = expected[day][k], changes[k - 1], probabilities[k - 1]
            where = f"{day}, meeting {k} ({dates[k - 1]})"
            if want is None:
                assert got is None and p is None, f"{where}: expected no value, got {got} bp, p={p}"
            else:
                assert got == pytest.approx(want, abs=1e-9), f"{where}: expected {want} bp, got {got}"
                assert p == pytest.approx(min(max(-want / 25, 0.0), 1.0), abs=1e-12), f"{where}: p={p}"


def test_the_scenarios_cover_late_meetings_and_broken_chains(mart):
    """The checks above are not vacuous: values and nulls at every meeting number, and a meeting
    priced on the month after it (July 31)."""
    rows, expected = mart
    for k in (1, 2, 3):
        assert any(expected[d][k] is not None for d in expected), k
        assert any(expected[d][k] is None for d in expected), k
    assert rows[dt.date(2024, 7, 15)][0] == dt.date(2024, 7, 31)
    assert rows[dt.date(2024, 7, 15)][3] == pytest.approx(0.0, abs=1e-9)
    assert rows[dt.date(2024, 7, 15)][7] == pytest.approx(1.0)  # 50 bp priced: a 25 bp cut for sure
