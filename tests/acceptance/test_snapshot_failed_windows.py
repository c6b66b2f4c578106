"""Acceptance: the reported case on real files. SPY's 2024-06-03 prices times 50 fail June's gate; a
later run of December alone must not publish them (serving keeps SPY's true 2024-06-03 return,
computed here with pandas from the snapshot file); once the file is fixed and June reloaded, it
publishes and June is marked passed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance

from orchestration import checks
from orchestration.runner import PlannedRun
from tests.acceptance.conftest import read_yahoo_csv
from tests.integration.conftest import file_digest, make_settings, run_graph, table_checksums
from warehouse import gate_state, raw

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

SYMBOLS = ["IWM", "SPY"]
START = "2024-01-01"  # a small build: what matters is June and December 2024
DAY = "2024-06-03"
PRICE_GATE = "raw/prices:great_expectations_gate"


def spy_return_on(snapshot_dir: Path, day: str) -> float:
    """SPY's close-to-close return into ``day`` on IWM and SPY's common calendar (plain pandas)."""
    closes = [read_yahoo_csv(snapshot_dir, s).set_index("Date")["Close"].rename(s) for s in SYMBOLS]
    both = closes[0].to_frame().join(closes[1], how="inner").sort_index()
    spy = both["SPY"].astype(float)
    return float((spy / spy.shift(1) - 1).loc[day])


def served_spy_return(settings, day: str) -> float:
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        return con.execute(
            "select denominator_return from marts.relative_performance "
            "where pair = 'IWM/SPY' and horizon = '1d' and date = ?",
            [day],
        ).fetchone()[0]


def times(path: Path, day: str, factor: float) -> None:
    lines = path.read_text().splitlines()
    [i] = [n for n, line in enumerate(lines) if line.startswith(day)]
    date, *prices, volume = lines[i].split(",")
    lines[i] = ",".join([date, *(str(float(p) * factor) for p in prices), volume])
    path.write_text("\n".join(lines) + "\n")


def test_a_failed_month_of_real_prices_is_not_published_by_a_later_month(tmp_path, snapshot_dir):
    snap = tmp_path / "snapshot"
    (snap / "yahoo").mkdir(parents=True)
    for symbol in SYMBOLS:
        shutil.copy(snapshot_dir / "yahoo" / f"{symbol}.csv", snap / "yahoo")
    for folder in ("fred", "cftc", "french"):
        shutil.copytree(snapshot_dir / folder, snap / folder)
    settings = make_settings(tmp_path / "home", "snapshot", snap, start=START)
    instance = DagsterInstance.ephemeral()
    first = run_graph(settings, instance)
    assert first.success, first.failures
    truth = spy_return_on(snapshot_dir, DAY)
    assert served_spy_return(settings, DAY) == pytest.approx(truth, rel=1e-9)
    served = table_checksums(settings.serving_db)

    good = (snap / "yahoo" / "SPY.csv").read_bytes()
    times(snap / "yahoo" / "SPY.csv", DAY, 50)
    june = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-06-01"])])
    assert not june.success and june.checks[PRICE_GATE] is False

    december = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-12-01"])])
    assert not december.success and december.checks[PRICE_GATE] is False
    assert "serving" not in december.materialized
    assert served_spy_return(settings, DAY) == pytest.approx(truth, rel=1e-9)  # not 49.04
    assert table_checksums(settings.serving_db) == served
    assert "2024-06-01..2024-07-01 (exclusive; re-validated" in (
        december.check_metadata[PRICE_GATE]["validated_window"].value
    )
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        loads, verdicts = raw.gate_state(con, raw.PRICES)
    [blocking] = gate_state.open_windows(loads, verdicts, checks.gates_by_table()[raw.PRICES])
    assert (blocking.load.window_label, blocking.status) == ("2024-06-01..2024-07-01", "failed")

    (snap / "yahoo" / "SPY.csv").write_bytes(good)
    before = file_digest(settings.serving_db)
    fixed = run_graph(settings, instance, plan=[PlannedRun("prices_and_rates", ["2024-06-01"])])
    assert fixed.success, fixed.failures
    assert "serving" in fixed.materialized and file_digest(settings.serving_db) != before
    assert served_spy_return(settings, DAY) == pytest.approx(truth, rel=1e-9)
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        loads, verdicts = raw.gate_state(con, raw.PRICES)
    assert gate_state.open_windows(loads, verdicts, checks.gates_by_table()[raw.PRICES]) == []
