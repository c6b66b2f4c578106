"""Snapshot file names match their item ignoring case: iwm.csv is IWM's file, never a silent skip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingestion.cftc_fetch import land_snapshot_cftc
from ingestion.errors import SnapshotLayoutError
from ingestion.fred_fetch import land_snapshot_fred
from ingestion.yahoo_batch import parse_batch
from ingestion.yahoo_fetch import land_snapshot

PRICES = "Date,Close,High,Low,Open,Volume\n2024-07-15,10,11,9,10,100\n2024-07-16,10.5,11,9,10,100\n"


def test_a_lower_case_price_file_is_the_symbols_file(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    (snap / "yahoo").mkdir(parents=True)
    (snap / "yahoo" / "iwm.csv").write_text(PRICES)
    (snap / "yahoo" / "SPY.CSV").write_text(PRICES)
    batch = land_snapshot(snap, ["IWM", "SPY", "QQQ"], tmp_path / "landing")
    assert batch.requested == ("IWM", "SPY")
    assert any("read iwm.csv as IWM.csv" in n for n in batch.notes), batch.notes
    frame, _ = parse_batch(batch, dt.date(2024, 1, 1), tmp_path)
    assert sorted(set(frame["symbol"])) == ["IWM", "SPY"]

    (snap / "yahoo" / "IWM.csv").write_text(PRICES)
    with pytest.raises(SnapshotLayoutError, match=r"IWM.csv and iwm.csv .* both the file of symbol IWM"):
        land_snapshot(snap, ["IWM"], tmp_path / "landing")


def test_fred_and_cftc_file_names_match_ignoring_case(tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    (snap / "fred").mkdir(parents=True)
    (snap / "fred" / "dgs2.csv").write_text("observation_date,DGS2\n2024-07-15,4.4\n")
    assert land_snapshot_fred(snap, ["DGS2"], tmp_path / "landing").requested == ("DGS2",)
    (snap / "cftc").mkdir()
    (snap / "cftc" / "finfut24.TXT").write_text("x")
    assert [f.path.name for f in land_snapshot_cftc(snap, ["239742"], tmp_path / "landing").files] == [
        "finfut24.TXT"
    ]
