"""Acceptance, on the real snapshot: rows are never deleted as a side effect, bars stay on sessions,
codes written as numbers and file names in another case lose nothing.

Expectations are computed from the raw files with pandas. Only the first test reads the shared
snapshot build; the others load real files into a scratch warehouse (no whole-graph build).
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest

from ingestion import yahoo_batch, yahoo_fetch
from ingestion.cftc import parse_tff_file
from tests.acceptance.conftest import read_yahoo_csv
from warehouse import db, raw

pytestmark = [pytest.mark.acceptance]


@pytest.mark.slow
def test_the_real_snapshot_passes_the_session_rule_and_removes_nothing(snapshot_warehouse, snapshot_dir):
    """The real files have Sunday bars on the futures and bars on US holidays for London and Cboe's
    indices (counted here with pandas): the session rule must accept them all, and a first build
    withholds nothing."""
    settings, run = snapshot_warehouse
    sundays, holidays = 0, 0
    for path in sorted((snapshot_dir / "yahoo").glob("*.csv")):
        dates = read_yahoo_csv(snapshot_dir, path.stem)["Date"]
        assert not (dates.dt.dayofweek == 5).any(), f"{path.name} has a Saturday bar"
        if path.stem.endswith("=F"):
            sundays += int((dates.dt.dayofweek == 6).sum())
        if path.stem in ("^FTSE", "^VIX"):
            holidays += int((dates.dt.month.eq(9) & dates.dt.day.le(7) & dates.dt.dayofweek.eq(0)).sum())
    assert sundays > 0 and holidays > 0, "the snapshot no longer exercises the rule's exemptions"
    assert run.checks["raw/prices:great_expectations_gate"] is True
    assert "bars on sessions only" not in run.check_descriptions["raw/prices:great_expectations_gate"]
    assert all(
        run.checks[f"raw/{t.name}:removals_gate"]
        for t in raw.RAW_TABLES
        if f"raw/{t.name}:removals_gate" in run.checks
    )
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select count(*) from raw.removed_rows").fetchone()[0] == 0


def load_prices(con, folder, symbols):
    batch = yahoo_fetch.land_snapshot(folder, symbols, folder.parent / "landing")
    rows, notes = yahoo_batch.parse_batch(batch, dt.date(1980, 1, 1), folder.parent)
    return raw.load(
        con,
        raw.PRICES,
        rows,
        raw.Delivery(
            source="snapshot",
            synthetic=False,
            requested=batch.requested,
            landing_files=[str(f.path) for f in batch.files],
            start_date=dt.date(1980, 1, 1),
        ),
        notes=notes,
    )


def test_a_real_price_file_missing_thirty_sessions_deletes_nothing(snapshot_dir, tmp_path):
    """IWM's real file, then the same file without 30 trading days: the 30 rows stay in raw, withheld,
    and nothing is removed without the decision."""
    lines = (snapshot_dir / "yahoo" / "IWM.csv").read_text().splitlines()
    closes = read_yahoo_csv(snapshot_dir, "IWM")
    cut = set(closes["Date"].dt.strftime("%Y-%m-%d").iloc[-200:-170])
    folder = tmp_path / "snap" / "yahoo"
    folder.mkdir(parents=True)
    shutil.copy(snapshot_dir / "yahoo" / "IWM.csv", folder)
    with db.connect(tmp_path / "b.duckdb") as con:
        load_prices(con, folder.parent, ["IWM"])
        before = con.execute("select count(*) from raw.prices").fetchone()[0]
        (folder / "IWM.csv").write_text("\n".join(line for line in lines if line[:10] not in cut) + "\n")
        stats = load_prices(con, folder.parent, ["IWM"])
        after = con.execute("select count(*) from raw.prices").fetchone()[0]
        pending = raw.pending_removals(con, raw.PRICES)
    assert (stats.rows_removed, stats.rows_withheld) == (0, len(cut))
    assert after == before
    assert set(pending["date"].dt.strftime("%Y-%m-%d")) == cut


def test_a_lower_case_price_file_name_loads_the_symbol(snapshot_dir, tmp_path):
    folder = tmp_path / "snap" / "yahoo"
    folder.mkdir(parents=True)
    shutil.copy(snapshot_dir / "yahoo" / "IWM.csv", folder / "iwm.csv")
    with db.connect(tmp_path / "b.duckdb") as con:
        stats = load_prices(con, folder.parent, ["IWM"])
        symbols = con.execute("select distinct symbol from raw.prices").fetchall()
    assert symbols == [("IWM",)]
    assert stats.rows_in_files == len(read_yahoo_csv(snapshot_dir, "IWM", closes_only=False))


def test_a_russell_code_written_as_a_float_keeps_every_report(snapshot_dir, tmp_path):
    """A real FinFut file with the Russell E-mini's code written 239742.0 (a spreadsheet's doing)."""
    source = sorted((snapshot_dir / "cftc").glob("FinFut*.txt"))[-1]
    plain = pd.read_csv(source, dtype=str)
    code_column = plain["CFTC_Contract_Market_Code"].str.strip()
    expected = sorted(pd.to_datetime(plain.loc[code_column == "239742", "Report_Date_as_YYYY-MM-DD"]).dt.date)
    assert expected, "the file has Russell reports"
    floated = tmp_path / source.name
    floated.write_text(
        source.read_text().replace(",239742,", ",239742.0,").replace(',"239742",', ',"239742.0",')
    )
    assert "239742.0" in floated.read_text()
    parsed = parse_tff_file(floated, codes=["239742"])
    assert sorted(parsed["report_date"].dt.date) == expected
