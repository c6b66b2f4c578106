"""Every real Yahoo file of the snapshot parses, and agrees with a plain pandas read of the same file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingestion.universe import load_universe
from ingestion.yahoo import ParsedPrices, parse_price_file
from ingestion.yahoo_batch import parse_batch
from ingestion.yahoo_fetch import land_snapshot
from tests.snapshot_sessions import US_CASH, capture_times, partial_dates, session_of

# Verification values published in shared/data/SOURCES.md (closes as Yahoo shows them).
PUBLISHED_CLOSES = {
    ("^RUT", "2024-07-09"): 2029.47,
    ("^RUT", "2024-07-16"): 2263.67,
    ("^RUT", "2024-08-30"): 2217.63,
    ("IWM", "2024-07-09"): 199.12,
    ("IWM", "2024-07-16"): 222.06,
    ("^GSPC", "2024-07-16"): 5667.20,
}


def plain_read(path: Path) -> pd.DataFrame:
    """The file read the obvious pandas way (SOURCES.md), independent of the parser."""
    if path.read_text(encoding="utf-8").startswith("Price,"):
        frame = pd.read_csv(path, skiprows=[1, 2]).rename(columns={"Price": "Date"})
    else:
        frame = pd.read_csv(path)
    frame["Date"] = pd.to_datetime(frame["Date"])
    return frame


@pytest.fixture(scope="module")
def yahoo_files(snapshot_dir: Path) -> list[Path]:
    files = sorted((snapshot_dir / "yahoo").glob("*.csv"))
    assert files, f"no csv files in {snapshot_dir / 'yahoo'}"
    return files


@pytest.fixture(scope="module")
def parsed(yahoo_files: list[Path]) -> dict[str, ParsedPrices]:
    return {p.stem: parse_price_file(p) for p in yahoo_files}


def test_every_file_matches_a_plain_pandas_read(
    yahoo_files: list[Path], parsed: dict[str, ParsedPrices]
) -> None:
    for path in yahoo_files:
        result = parsed[path.stem]
        frame = result.frame
        expected = plain_read(path)
        assert result.dropped == [], path.name  # every row is kept (partial bars flagged)
        assert len(frame) == len(expected), path.name
        assert (frame["symbol"] == path.stem).all(), path.name
        assert frame["date"].is_monotonic_increasing and frame["date"].is_unique, path.name
        assert (frame["date"].to_numpy() == expected["Date"].to_numpy()).all(), path.name
        np.testing.assert_allclose(frame["close"], expected["Close"], rtol=1e-12, err_msg=path.name)
        for i in (0, len(frame) // 2, -1):  # a few values spelled out, for readable failures
            assert frame["close"].iloc[i] == pytest.approx(expected["Close"].iloc[i], rel=1e-12)
        for column in ("Open", "High", "Low", "Volume", "Adj Close"):
            if column in expected:
                np.testing.assert_allclose(
                    frame[column.lower().replace(" ", "_")],
                    expected[column],
                    rtol=1e-12,
                    err_msg=f"{path.name} {column}",
                )
            else:
                assert frame[column.lower().replace(" ", "_")].isna().all(), f"{path.name} {column}"


def test_dialects(parsed: dict[str, ParsedPrices]) -> None:
    assert parsed["^NDX"].dialect == "multi_header"
    assert parsed["^GSPC"].dialect == "multi_header"
    assert parsed["IJR"].dialect == "close_only"
    assert parsed["^IRX"].dialect == "close_only"
    assert parsed["^RUT"].dialect == "auto_adjusted"
    assert parsed["ZQ=F"].dialect == "auto_adjusted"
    assert not parsed["^GSPC"].frame["close_is_adjusted"].any()
    assert parsed["IJR"].frame["close_is_adjusted"].all()
    assert parsed["^RUT"].frame["close_is_adjusted"].all()


def test_gspc_file_gives_gspc_not_spx(parsed: dict[str, ParsedPrices]) -> None:
    assert set(parsed["^GSPC"].frame["symbol"]) == {"^GSPC"}


# --- partial bars: captured before the session ended ----------------------------------------------


def expected_partial(snapshot_dir: Path, symbols) -> set[tuple[str, pd.Timestamp]]:
    """(symbol, date) of every bar captured before its session ended (tests/snapshot_sessions.py)."""
    out = set()
    for symbol in symbols:
        days = plain_read(snapshot_dir / "yahoo" / f"{symbol}.csv")["Date"]
        out |= {(symbol, day) for day in partial_dates(snapshot_dir, symbol, days)}
    return out


def test_partial_bars_are_those_captured_before_their_session_ended(
    snapshot_dir: Path, tmp_path: Path
) -> None:
    universe = [i.symbol for i in load_universe()]
    batch = land_snapshot(snapshot_dir, universe, tmp_path / "landing")
    frame, notes = parse_batch(batch, dt.date(2000, 1, 1), home=tmp_path)

    expected = expected_partial(snapshot_dir, batch.requested)
    got = {(s, d) for s, d in frame.loc[frame["is_partial"], ["symbol", "date"]].itertuples(index=False)}
    assert got == expected
    assert expected, "the snapshot has files captured during their session"
    # every partial bar is kept and has its note naming file, line and capture time
    for symbol, day in expected:
        assert any(n.startswith(f"{symbol}.csv line ") and f": {day:%Y-%m-%d} partial" in n for n in notes)

    # The three cases of the issue, found from the files:
    times = capture_times(snapshot_dir)
    last = {s: plain_read(snapshot_dir / "yahoo" / f"{s}.csv").iloc[-1] for s in batch.requested}

    def on_capture_day(symbol: str) -> bool:
        return last[symbol]["Date"].date() == times[symbol].tz_convert(session_of(symbol)[0]).date()

    # ^RUT: its last bar, volume 0, dated on its capture day and captured after the US close: a close
    rut = last["^RUT"]
    assert rut["Volume"] == 0 and on_capture_day("^RUT")
    assert ("^RUT", rut["Date"]) not in got
    assert frame[(frame["symbol"] == "^RUT") & (frame["date"] == rut["Date"])].shape[0] == 1
    # close-only files captured in the morning of their last day: that bar is partial
    morning = [s for s in batch.requested if on_capture_day(s) and times[s].tz_convert(US_CASH[0]).hour < 12]
    assert morning and all((s, last[s]["Date"]) in got for s in morning)
    # CME futures captured on their last day between the US cash close and 17:00: partial
    futures = [s for s in batch.requested if s.endswith("=F") and on_capture_day(s)]
    assert futures and all((s, last[s]["Date"]) in got for s in futures)
    assert all(times[s].tz_convert(US_CASH[0]).time() >= US_CASH[1] for s in futures)


def test_published_closes(parsed: dict[str, ParsedPrices]) -> None:
    for (symbol, day), close in PUBLISHED_CLOSES.items():
        frame = parsed[symbol].frame
        row = frame[frame["date"] == pd.Timestamp(day)]
        assert len(row) == 1, (symbol, day)
        assert row["close"].iloc[0] == pytest.approx(close, abs=0.006), (symbol, day)


# --- land_snapshot -------------------------------------------------------------------------------


def landed_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_land_snapshot_real_directory(snapshot_dir: Path, tmp_path: Path) -> None:
    universe = [i.symbol for i in load_universe()]
    stems = {p.stem for p in (snapshot_dir / "yahoo").glob("*.csv")}
    landing = tmp_path / "landing"

    batch = land_snapshot(snapshot_dir, universe, landing)

    assert (batch.system, batch.mode, batch.synthetic) == ("yahoo", "snapshot", False)
    assert batch.requested == tuple(s for s in universe if s in stems)
    assert [f.symbols for f in batch.files] == [(s,) for s in batch.requested]
    times = capture_times(snapshot_dir)
    assert [f.captured_at for f in batch.files] == [times[s] for s in batch.requested]
    assert all(f.captured_at.utcoffset() is not None for f in batch.files)
    assert batch.missing == []
    absent = [s for s in universe if s not in stems]  # seed symbols only the live source has
    if absent:
        assert f"not in snapshot: {', '.join(absent)}" in " ".join(batch.notes)
    else:
        assert not any("not in snapshot" in n for n in batch.notes)
    assert not any("captured_at.csv" in n for n in batch.notes)  # every landed file has its time
    assert not [n for n in batch.notes if n.startswith("skipped")]  # every Yahoo file is in the seed
    for landed in batch.files:
        source = snapshot_dir / "yahoo" / landed.path.name
        assert landed.path.read_bytes() == source.read_bytes()
        assert landed.path.is_relative_to(landing / "yahoo" / "snapshot")

    before = landed_files(landing)
    again = land_snapshot(snapshot_dir, universe, landing)
    assert [f.path for f in again.files] == [f.path for f in batch.files]
    assert landed_files(landing) == before


def test_parse_batch_of_the_real_snapshot(snapshot_dir: Path, tmp_path: Path) -> None:
    universe = [i.symbol for i in load_universe()]
    batch = land_snapshot(snapshot_dir, universe, tmp_path / "landing")

    frame, notes = parse_batch(batch, dt.date(2023, 6, 1), home=tmp_path)

    assert frame["date"].min() >= pd.Timestamp("2023-06-01")
    assert set(frame["symbol"]) == set(batch.requested)
    assert frame["landing_file"].str.startswith("landing/yahoo/snapshot/").all()
    assert frame.equals(frame.sort_values(["symbol", "date"]).reset_index(drop=True))
    # SOURCES.md: every price file has 315-316 rows in 2023-06-01..2024-08-31, ^FTSE (London
    # calendar) 318
    window = frame[frame["date"] <= pd.Timestamp("2024-08-31")]
    counts = window.groupby("symbol").size()
    assert counts.pop("^FTSE") == 318
    assert counts.between(315, 316).all(), counts[~counts.between(315, 316)].to_dict()


def test_land_snapshot_skips_files_outside_the_universe(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    (snapshot / "yahoo").mkdir(parents=True)
    (snapshot / "yahoo" / "IWM.csv").write_text("Date,Close\n2024-07-16,222.06\n")
    (snapshot / "yahoo" / "XYZ.csv").write_text("Date,Close\n2024-07-16,1\n")

    batch = land_snapshot(snapshot, ["IWM", "^RUT"], tmp_path / "landing")

    assert batch.requested == ("IWM",)
    assert [f.path.name for f in batch.files] == ["IWM.csv"]
    skip = [n for n in batch.notes if "XYZ.csv" in n]
    assert len(skip) == 1 and "dbt_project/seeds/instruments.csv" in skip[0]
    assert "not in snapshot: ^RUT" in " ".join(batch.notes)


def test_land_snapshot_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ROTATION_SNAPSHOT_DIR=.*does not exist — fix: set"):
        land_snapshot(tmp_path / "nowhere", ["IWM"], tmp_path / "landing")
    (tmp_path / "snap").mkdir()
    with pytest.raises(FileNotFoundError, match="no yahoo/ folder"):
        land_snapshot(tmp_path / "snap", ["IWM"], tmp_path / "landing")
    (tmp_path / "snap" / "yahoo").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no .csv files"):
        land_snapshot(tmp_path / "snap", ["IWM"], tmp_path / "landing")


# --- captured_at.csv on hand-made snapshots ------------------------------------------------------------

RUT_AFTER_CLOSE = "Date,Close,High,Low,Open,Volume\n2026-02-20,2663.78,2682.42,2642.07,2660.29,5432480000\n2026-02-23,2620.99,2659.30,2600.99,2654.83,0\n"
ES_BEFORE_17 = "Date,Close,High,Low,Open,Volume\n2026-02-20,6923.25,6931.5,6847.25,6874.25,1286455\n2026-02-23,6858.0,6930.25,6832.75,6918.0,1399664\n"


def hand_made_snapshot(tmp_path: Path, captured_at: str | None) -> Path:
    snapshot = tmp_path / "snapshot"
    (snapshot / "yahoo").mkdir(parents=True)
    (snapshot / "yahoo" / "^RUT.csv").write_text(RUT_AFTER_CLOSE)
    (snapshot / "yahoo" / "ES=F.csv").write_text(ES_BEFORE_17)
    if captured_at is not None:
        (snapshot / "captured_at.csv").write_text(captured_at)
    return snapshot


def land_and_parse(snapshot: Path, tmp_path: Path) -> tuple[pd.DataFrame, list[str]]:
    batch = land_snapshot(snapshot, ["^RUT", "ES=F"], tmp_path / "landing")
    frame, notes = parse_batch(batch, dt.date(2026, 1, 1), home=tmp_path)
    return frame, [*batch.notes, *notes]


def partial_of(frame: pd.DataFrame) -> list[str]:
    return [
        f"{s} {d:%Y-%m-%d}"
        for s, d in frame.loc[frame["is_partial"], ["symbol", "date"]].itertuples(index=False)
    ]


def test_capture_times_decide_by_the_session_end(tmp_path: Path) -> None:
    snapshot = hand_made_snapshot(
        tmp_path,
        "file,captured_at\nyahoo/^RUT.csv,2026-02-23T22:34:14+01:00\nyahoo/ES=F.csv,2026-02-23T21:31:18Z\n",
    )
    frame, notes = land_and_parse(snapshot, tmp_path)
    # ^RUT captured 16:34 New York, after the US cash close: its volume-0 bar is the close;
    # ES=F captured 16:31 New York, before the CME session end (17:00): partial, kept, noted
    assert partial_of(frame) == ["ES=F 2026-02-23"]
    assert len(frame) == 4
    assert [n for n in notes if "partial" in n] == [
        "ES=F.csv line 3: 2026-02-23 partial (kept, flagged is_partial): captured 2026-02-23 16:31 "
        "America/New_York, before the end of its cme session (2026-02-23 17:00)"
    ]


def test_without_captured_at_csv_the_heuristic_decides_and_says_so_once(tmp_path: Path) -> None:
    frame, notes = land_and_parse(hand_made_snapshot(tmp_path, None), tmp_path)
    assert partial_of(frame) == ["^RUT 2026-02-23"]  # volume 0 after traded days; ES=F passes
    said = [n for n in notes if "no capture times" in n]
    assert len(said) == 1 and "captured_at.csv not found" in said[0]


def test_a_file_without_an_entry_and_an_entry_without_a_file_are_noted(tmp_path: Path) -> None:
    snapshot = hand_made_snapshot(
        tmp_path,
        "file,captured_at\nyahoo/ES=F.csv,2026-02-23T16:31:18-05:00\nyahoo/IWM.csv,2026-02-23T16:31:56-05:00\n",
    )
    frame, notes = land_and_parse(snapshot, tmp_path)
    assert partial_of(frame) == ["ES=F 2026-02-23", "^RUT 2026-02-23"]  # ^RUT: by the heuristic
    assert any(
        n.startswith("no capture time in ") and n.endswith("makes it partial)") and "yahoo/^RUT.csv" in n
        for n in notes
    )
    assert any("lists files the snapshot does not have: yahoo/IWM.csv (line 3)" in n for n in notes)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "file,when\nyahoo/^RUT.csv,2026-02-23T16:34:14-05:00\n",
            r"captured_at.csv line 1: expected a header 'file,captured_at'.*got header 'file,when'",
        ),
        (
            "file,captured_at\nyahoo/^RUT.csv,2026-02-23 16:34\n",
            r"captured_at.csv line 2: captured_at '2026-02-23 16:34' has no UTC offset",
        ),
        (
            "file,captured_at\nyahoo/^RUT.csv,2026-02-23\n",
            r"captured_at.csv line 2: captured_at '2026-02-23' has no UTC offset",
        ),
        (
            "file,captured_at\n\nyahoo/^RUT.csv,23/02/2026 16:34 EST\n",
            r"captured_at.csv line 3: captured_at: expected ISO 8601 with a UTC offset.*got '23/02/2026 16:34 EST'",
        ),
        (
            "file,captured_at\nyahoo/^RUT.csv\n",
            r"captured_at.csv line 2: expected 2 fields \(file,captured_at\), got 1",
        ),
        (
            "file,captured_at\nyahoo/^RUT.csv,2026-02-23T16:34:14-05:00\nyahoo/^RUT.csv,2026-02-23T16:35:00-05:00\n",
            r"line 3: file yahoo/\^RUT.csv is listed twice \(lines 2 and 3\)",
        ),
        (
            "file,captured_at\n../yahoo/^RUT.csv,2026-02-23T16:34:14-05:00\n",
            r"line 2: file '../yahoo/\^RUT.csv': expected a path relative to the snapshot folder",
        ),
        ("", r"captured_at.csv line 1: empty file"),
    ],
)
def test_a_malformed_captured_at_csv_is_an_error_naming_the_line(
    tmp_path: Path, content: str, message: str
) -> None:
    from ingestion.landing import CaptureTimesError

    snapshot = hand_made_snapshot(tmp_path, content)
    with pytest.raises(CaptureTimesError, match=message):
        land_snapshot(snapshot, ["^RUT", "ES=F"], tmp_path / "landing")
