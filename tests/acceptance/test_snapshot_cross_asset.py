"""Acceptance: the cross-asset block (intermediate.int_cross_asset__daily) on the real snapshot,
against pandas computed straight from the snapshot files (the Yahoo CSVs and the French factors)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.acceptance.test_snapshot_relative_performance import START, read_basis

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

N = 21
MEGACAPS = ["NVDA", "MSFT", "AAPL", "GOOGL", "AMZN", "META"]


def compounded(returns: pd.Series, n: int) -> pd.Series:
    return (1 + returns).rolling(n).apply(np.prod, raw=True) - 1


def expected_block(snapshot_dir) -> pd.DataFrame:
    basis = {
        s: read_basis(snapshot_dir, s).dropna() for s in ["^GSPC", "HG=F", "GC=F", "HYG", "^VIX", *MEGACAPS]
    }
    gspc = basis["^GSPC"]
    out = pd.DataFrame(index=gspc.index)
    ratio = pd.concat([basis["HG=F"], basis["GC=F"]], axis=1, join="inner")
    ratio = ratio["HG=F"] / ratio["GC=F"]
    out["copper_gold_ratio"] = ratio
    out["copper_gold_change_nd"] = ratio / ratio.shift(N) - 1
    out["hyg_return_nd"] = basis["HYG"] / basis["HYG"].shift(N) - 1
    out["vix_level"] = basis["^VIX"]
    out["vix_change_5d"] = basis["^VIX"] - basis["^VIX"].shift(5)
    daily = pd.concat({s: basis[s].pct_change() for s in MEGACAPS}, axis=1)
    basket = daily.mean(axis=1, skipna=True).dropna()
    basket_nd = compounded(basket, N)
    out["megacap_return_nd"] = basket_nd
    out["megacap_minus_gspc_nd"] = basket_nd - (gspc / gspc.shift(N) - 1)
    french = pd.read_csv(
        snapshot_dir / "french" / "F-F_Research_Data_Factors_daily.CSV", skipinitialspace=True, index_col=0
    )
    french.index = pd.to_datetime(french.index.astype(str), format="%Y%m%d")
    smb = (french["SMB"] / 100)[french.index >= pd.Timestamp(START)]
    out["smb_nd"] = compounded(smb, N)
    # spreads of two n-day returns, each on its own calendar, on ^GSPC's dates; only where both files
    # are in the snapshot (spread_files)
    for column, (a, b) in SPREADS.items():
        if spread_files(snapshot_dir, column):
            ra, rb = (read_basis(snapshot_dir, s).dropna() for s in (a, b))
            out[column] = (ra / ra.shift(N) - 1) - (rb / rb.shift(N) - 1)
    return out


SPREADS = {"hyg_minus_ief_nd": ("HYG", "IEF"), "rsp_minus_spy_nd": ("RSP", "SPY")}


def spread_files(snapshot_dir, column: str) -> bool:
    return all((snapshot_dir / "yahoo" / f"{s}.csv").is_file() for s in SPREADS[column])


def test_cross_asset_block_matches_independent_pandas(snapshot_warehouse, snapshot_dir):
    settings, _ = snapshot_warehouse
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        got = con.execute("select * from intermediate.int_cross_asset__daily order by date").df()
    got = got.set_index(pd.to_datetime(got["date"])).drop(columns="date")
    expected = expected_block(snapshot_dir)
    assert list(got.index) == list(expected.index), "one row per ^GSPC trading date"
    for column in expected.columns:
        a, b = got[column].astype(float), expected[column].astype(float)
        assert b.notna().sum() > 1000, f"{column}: too little history to compare"
        assert (a.isna() == b.isna()).all(), (
            f"{column}: missing on other dates ({(a.isna() != b.isna()).sum()})"
        )
        np.testing.assert_allclose(a.dropna(), b.dropna(), rtol=1e-9, atol=1e-12, err_msg=column)
    # a spread whose files are not in the snapshot is missing, never zero
    for column in SPREADS:
        if not spread_files(snapshot_dir, column):
            assert got[column].isna().all(), column
    # A sanity anchor on real history: on 2024-07-16, after the July 2024 rotation began, small caps
    # led over 21 days (SMB > 0) and the mega-cap basket lagged the S&P 500.
    day = pd.Timestamp("2024-07-16")
    assert got.loc[day, "smb_nd"] > 0
    assert got.loc[day, "megacap_minus_gspc_nd"] < 0
