"""Every real Yahoo file of the snapshot parses, and agrees with a plain pandas read of the same file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingestion.universe import load_universe
from ingestion.yahoo import ParsedPrices, land_snapshot, parse_batch, parse_price_file

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
        volume = expected.get("Volume", pd.Series(dtype=float))
        if len(volume) > 1 and volume.iloc[-1] == 0 and volume.iloc[-21:-1].median() > 0:
            expected = expected.iloc[:-1]  # a last bar of volume 0 after traded days is dropped as intraday
        else:
            assert result.dropped == [], path.name
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


def test_rut_trailing_intraday_bar_is_dropped(parsed: dict[str, ParsedPrices]) -> None:
    rut = parsed["^RUT"]
    assert rut.frame["date"].max() == pd.Timestamp("2026-02-20")
    assert len(rut.dropped) == 1
    note = rut.dropped[0]
    assert note.startswith("^RUT.csv line 9687: 2026-02-23 dropped: incomplete intraday bar")
    assert "volume 0" in note


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
    assert all(f.captured_at is None for f in batch.files)
    assert batch.missing == []
    absent = [s for s in universe if s not in stems]
    assert absent  # RSP, IEF, SR3=F come from live only
    assert f"not in snapshot: {', '.join(absent)}" in " ".join(batch.notes)
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
    assert any(n.startswith("^RUT.csv line 9687") for n in notes)
    # SOURCES.md: every price file has 315-316 rows in 2023-06-01..2024-08-31
    window = frame[frame["date"] <= pd.Timestamp("2024-08-31")]
    counts = window.groupby("symbol").size()
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
