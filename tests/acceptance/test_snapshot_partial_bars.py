"""Acceptance: a bar is a close only if it was captured after its session ended, on the real snapshot.

Which bars are partial is worked out from the files alone (tests/snapshot_sessions.py: captured_at.csv
read with pandas, the exchanges' session ends written down there), then compared with the warehouse:
raw keeps them flagged, staging and the marts never show them, and the closes the former heuristic
dropped (an index's volume 0 after the close) are there.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.acceptance.conftest import query, read_yahoo_csv
from tests.snapshot_sessions import capture_times, partial_dates, session_of

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]


def snapshot_symbols(snapshot_dir) -> list[str]:
    return sorted(p.stem for p in (snapshot_dir / "yahoo").glob("*.csv"))


@pytest.fixture(scope="module")
def files(snapshot_dir) -> dict[str, pd.DataFrame]:
    """Every Yahoo file of the snapshot, all its rows (partial bars included)."""
    return {s: read_yahoo_csv(snapshot_dir, s, closes_only=False) for s in snapshot_symbols(snapshot_dir)}


@pytest.fixture(scope="module")
def expected_partial(snapshot_dir, files) -> set[tuple[str, pd.Timestamp]]:
    return {(s, d) for s, df in files.items() for d in partial_dates(snapshot_dir, s, df["Date"])}


def pairs(frame: pd.DataFrame) -> set[tuple[str, pd.Timestamp]]:
    return {(s, pd.Timestamp(d)) for s, d in frame[["symbol", "date"]].itertuples(index=False)}


def test_every_snapshot_file_loads_into_raw_and_staging(build_db, snapshot_dir):
    """The snapshot's Yahoo files, the new ones (IWO IWN SCZ EFA MTUM QUAL ^VXN ^FTSE) included."""
    symbols = set(snapshot_symbols(snapshot_dir))
    raw = set(query(build_db, "select distinct symbol from raw.prices")["symbol"])
    staged = set(query(build_db, "select distinct symbol from staging.stg_yahoo__prices")["symbol"])
    assert symbols <= raw, sorted(symbols - raw)
    assert symbols <= staged, sorted(symbols - staged)


def test_raw_flags_exactly_the_bars_captured_before_their_session_ended(build_db, expected_partial):
    flagged = pairs(query(build_db, "select symbol, date from raw.prices where is_partial"))
    assert flagged == expected_partial
    assert expected_partial, "the snapshot has files captured during a session"


def test_staging_and_marts_never_read_a_partial_bar(build_db, snapshot_dir, expected_partial):
    staged = pairs(query(build_db, "select symbol, date from staging.stg_yahoo__prices"))
    assert not staged & expected_partial
    # ^IRX, captured in the morning of its last day: no front_end_rates row from that bar
    irx = {d for s, d in expected_partial if s == "^IRX"}
    assert irx, "^IRX's last bar was captured before the US close"
    rates = query(build_db, "select date from marts.front_end_rates where rate_series = '^IRX'")
    dates = set(pd.to_datetime(rates["date"]))
    assert not dates & irx
    assert max(dates) == max(read_yahoo_csv(snapshot_dir, "^IRX")["Date"])  # its last close is there


def test_the_close_the_heuristic_dropped_is_kept(build_db, snapshot_dir, files):
    """^RUT's last bar shows volume 0 (Yahoo fills an index's volume in later) but was captured after
    the US cash close: it is the day's close, in staging and in the marts."""
    rut = files["^RUT"].iloc[-1]
    zone, ends = session_of("^RUT")
    captured = capture_times(snapshot_dir)["^RUT"].tz_convert(zone)
    assert rut["Volume"] == 0 and captured.date() == rut["Date"].date() and captured.time() >= ends
    staged = query(
        build_db,
        "select close from staging.stg_yahoo__prices where symbol = '^RUT' and date = ?",
        [rut["Date"]],
    )
    assert staged["close"].tolist() == pytest.approx([rut["Close"]], rel=1e-12)
    mart = query(
        build_db,
        "select numerator_return from marts.relative_performance where numerator = '^RUT' "
        "and denominator = '^GSPC' and horizon = '1d' and date = ?",
        [rut["Date"]],
    )
    assert len(mart) == 1


def test_the_load_notes_each_partial_bar(build_db, expected_partial):
    notes = query(
        build_db,
        "select unnest(notes) as note from raw.loads where system = 'yahoo' "
        "and loaded_at = (select max(loaded_at) from raw.loads where system = 'yahoo')",
    )["note"].tolist()
    for symbol, day in expected_partial:
        assert any(n.startswith(f"{symbol}.csv line ") and f"{day:%Y-%m-%d} partial" in n for n in notes), (
            symbol,
            day,
        )
