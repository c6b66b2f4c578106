"""Progress lines of long ingestion: throttled to about 20 per stage, always ending with n/n."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ingestion import sources
from ingestion.cftc_fetch import land_snapshot_cftc
from ingestion.fred_fetch import land_snapshot_fred
from ingestion.progress import MAX_LINES, Counter, is_due, report_every
from ingestion.yahoo_fetch import fetch_live, land_snapshot


@pytest.mark.parametrize(
    ("total", "every", "lines"),
    [(1, 1, 1), (5, 1, 5), (20, 1, 20), (21, 2, 11), (29, 2, 15), (3000, 150, 20), (3001, 151, 20)],
)
def test_throttle_reports_every_ceil_total_over_20_items_and_the_last(total, every, lines):
    assert report_every(total) == every
    due = [done for done in range(1, total + 1) if is_due(done - 1, done, total)]
    assert len(due) == lines <= MAX_LINES
    assert due[-1] == total
    assert all(d % every == 0 for d in due[:-1])


def test_throttle_with_batches_reports_each_crossing_once():
    """A 3,000-symbol download in chunks of 100: one line per 150 symbols crossed, plus the end."""
    lines: list[str] = []
    counter = Counter("prices", 3000, "symbols", "downloaded", lines.append)
    for i in range(30):
        counter.advance(f"chunk {i + 1}/30", count=100, rows=25_000)
    assert len(lines) == 20
    assert lines[0] == "prices: 200/3000 symbols downloaded (chunk 2/30, 25,000 rows; 50,000 rows so far)"
    assert lines[-1] == "prices: 3000/3000 symbols downloaded (chunk 30/30, 25,000 rows; 750,000 rows in all)"
    assert not is_due(3000, 3000, 3000), "nothing after the end"


def test_counter_line_formats():
    lines: list[str] = []
    counter = Counter("prices", 29, "symbols", "landed", lines.append, max_lines=29)
    counter.advance("AAPL", rows=6289)
    counter.advance("IWM", rows=1, detail="note")
    counter.advance()
    assert lines == [
        "prices: 1/29 symbols landed (AAPL, 6,289 rows)",
        "prices: 2/29 symbols landed (IWM, 1 row, note; 6,290 rows so far)",
        "prices: 3/29 symbols landed",
    ]


def _snapshot(tmp_path: Path, symbols: list[str]) -> Path:
    snapshot = tmp_path / "snapshot"
    (snapshot / "yahoo").mkdir(parents=True)
    for symbol in symbols:
        (snapshot / "yahoo" / f"{symbol}.csv").write_text("Date,Close\n2024-07-16,1.5\n")
    return snapshot


def test_a_snapshot_landing_reports_n_of_n_at_the_end(tmp_path: Path):
    snapshot = _snapshot(tmp_path, ["IWM", "SPY", "^RUT"])
    lines: list[str] = []
    batch = land_snapshot(
        snapshot, ["^RUT", "IWM", "SPY", "QQQ"], tmp_path / "landing", progress=lines.append
    )
    assert len(batch.files) == 3  # QQQ has no file: not requested, not counted
    assert lines == [
        "prices: 1/3 symbols landed (^RUT.csv)",
        "prices: 2/3 symbols landed (IWM.csv)",
        "prices: 3/3 symbols landed (SPY.csv)",
    ]


def test_the_source_modes_pass_progress_through(tmp_path: Path):
    """Through ingestion.sources, as the Dagster asset calls it: snapshot, sample and their parse."""
    snapshot = _snapshot(tmp_path, ["IWM", "SPY"])
    (snapshot / "fred").mkdir()
    for series in ("DGS2", "DFF"):
        (snapshot / "fred" / f"{series}.csv").write_text(f"observation_date,{series}\n2024-07-16,4.5\n")
    (snapshot / "cftc").mkdir()
    for year in ("FinFut23.txt", "FinFut24.txt"):
        (snapshot / "cftc" / year).write_text("x\n")
    lines: list[str] = []
    common = {
        "landing_dir": tmp_path / "landing",
        "snapshot_dir": snapshot,
        "start_date": dt.date(2000, 1, 3),
    }

    batch = sources.PRICES.land("snapshot", **common, progress=lines.append)
    assert lines[-1].startswith("prices: 2/2 symbols landed (")
    sources.FRED.land("snapshot", **common, progress=lines.append)
    assert lines[-1] == "fred: 2/2 series landed (DFF.csv)"
    sources.CFTC.land("snapshot", **common, progress=lines.append)
    assert lines[-1] == "cftc: 2/2 files landed (FinFut24.txt)"
    from ingestion.yahoo_batch import parse_batch

    parse_batch(batch, dt.date(2000, 1, 3), tmp_path, progress=lines.append)
    assert lines[-1].startswith("prices: 2/2 files parsed (") and lines[-1].endswith("1 row; 2 rows in all)")

    sources.FRED.land("sample", **common, progress=lines.append)
    assert lines[-1].startswith("fred: 3/3 series landed (DFF, ") and "rows in all)" in lines[-1]


def test_snapshot_fred_and_cftc_end_with_n_of_n(tmp_path: Path):
    snapshot = tmp_path / "snap"
    (snapshot / "fred").mkdir(parents=True)
    (snapshot / "fred" / "DGS2.csv").write_text("observation_date,DGS2\n2024-07-16,4.5\n")
    (snapshot / "cftc").mkdir()
    (snapshot / "cftc" / "FinFut24.txt").write_text("x\n")
    lines: list[str] = []
    land_snapshot_fred(snapshot, ["DGS2"], tmp_path / "landing", progress=lines.append)
    land_snapshot_cftc(snapshot, ["239742"], tmp_path / "landing", progress=lines.append)
    assert lines == ["fred: 1/1 series landed (DGS2.csv)", "cftc: 1/1 files landed (FinFut24.txt)"]


def test_a_live_download_reports_per_chunk_with_rows(tmp_path: Path):
    def download(tickers, **kwargs):
        days = pd.DatetimeIndex(["2024-07-15", "2024-07-16"], name="Date")
        columns = pd.MultiIndex.from_product([["Close", "Volume"], tickers], names=["Price", "Ticker"])
        return pd.DataFrame(1.0, index=days, columns=columns)

    lines: list[str] = []
    symbols = [f"S{i}" for i in range(45)]
    fetch_live(
        symbols,
        tmp_path / "landing",
        start=dt.date(2024, 7, 1),
        download=download,
        now=lambda: dt.datetime(2024, 7, 17, 1, tzinfo=dt.UTC),
        chunk_size=10,
        progress=lines.append,
    )
    assert lines[0] == "prices: 10/45 symbols downloaded (chunk 1/5, 20 rows, 10/10 with data)"
    assert lines[-1] == "prices: 45/45 symbols downloaded (chunk 5/5, 10 rows, 5/5 with data; 90 rows in all)"
    assert len(lines) == 5
