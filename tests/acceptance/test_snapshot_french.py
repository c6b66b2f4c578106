"""Acceptance: the Fama-French factors of the real snapshot (``stg_french__factors``) against each
library file read with plain pandas: every factor from its own file, none filled from another."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

# The library's files and the factors each is the source of, written out here independently of
# ingestion/french.py (docs/operating.md "Fama-French files").
HOME_FILES = {
    "F-F_Research_Data_Factors_daily.CSV": {"Mkt-RF": "mkt_rf", "SMB": "smb", "HML": "hml", "RF": "rf"},
    "F-F_Research_Data_5_Factors_2x3_daily.CSV": {"RMW": "rmw", "CMA": "cma"},
    "F-F_Momentum_Factor_daily.CSV": {"Mom": "mom"},
}


def read_library_file(path: Path) -> pd.DataFrame:
    """SOURCES.md's recipe: skip the description lines before the header, keep 8-digit dates."""
    lines = path.read_text().splitlines()
    skip = next(i for i, line in enumerate(lines) if line.startswith(","))
    frame = pd.read_csv(path, skiprows=skip, index_col=0, skipinitialspace=True, dtype={0: str})
    frame = frame[frame.index.astype(str).str.fullmatch(r"\d{8}")].astype(float)
    frame.index = pd.to_datetime(frame.index, format="%Y%m%d")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def test_every_factor_comes_from_its_own_file(snapshot_warehouse, snapshot_dir):
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        got = con.execute("select * from staging.stg_french__factors order by date").df()
    got = got.set_index(pd.to_datetime(got["date"]))
    present = {name: cols for name, cols in HOME_FILES.items() if (snapshot_dir / "french" / name).is_file()}
    assert "F-F_Research_Data_Factors_daily.CSV" in present
    start = got.index.min()
    for name, columns in present.items():
        expected = read_library_file(snapshot_dir / "french" / name)
        expected = expected[expected.index >= start]
        for factor, column in columns.items():
            series = got[column].dropna()
            assert series.index.equals(expected.index), f"{column}: dates of {name} only"
            assert (series - expected[factor] / 100).abs().max() < 1e-12, column
