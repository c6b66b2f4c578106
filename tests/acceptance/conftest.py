"""One whole-graph build on the real snapshot, shared by the acceptance tests."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from tests.integration.conftest import make_settings, run_graph
from tests.snapshot_sessions import partial_dates


@pytest.fixture(scope="session")
def snapshot_warehouse(tmp_path_factory, snapshot_dir):
    settings = make_settings(tmp_path_factory.mktemp("snapshot_home"), "snapshot", snapshot_dir)
    run = run_graph(settings)
    assert run.success, run.failures
    return settings, run


@pytest.fixture(scope="session")
def build_db(snapshot_warehouse):
    """The snapshot build's rotation.duckdb."""
    settings, _ = snapshot_warehouse
    return settings.build_db


def query(build_db, sql: str, params=None) -> pd.DataFrame:
    """One read-only query on a build file, as a frame."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        return con.execute(sql, params or []).df()


def read_yahoo_csv(snapshot_dir, symbol: str, closes_only: bool = True) -> pd.DataFrame:
    """A snapshot Yahoo file read the way SOURCES.md describes, independently of the project's parser:
    the three-line ``Price/Ticker/Date`` header or a plain one, ``Date`` cut to the day (timestamps).
    ``closes_only``: without the bars captured before their session ended (tests/snapshot_sessions.py,
    from captured_at.csv), which the warehouse keeps out of every model."""
    path = snapshot_dir / "yahoo" / f"{symbol}.csv"
    with open(path) as f:
        first = f.readline()
    if first.startswith("Price"):
        df = pd.read_csv(path, skiprows=[1, 2]).rename(columns={"Price": "Date"})
    else:
        df = pd.read_csv(path)
    df = df.assign(Date=pd.to_datetime(df["Date"].astype(str).str[:10]))
    if closes_only:
        partial = partial_dates(snapshot_dir, symbol, df["Date"])
        df = df[~df["Date"].isin(partial)].reset_index(drop=True)
    return df
