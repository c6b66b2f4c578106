"""`rotation run | summary | sql` on problems a person must fix: one line ``error: <cause> — fix:
<what to do>`` on stderr, no traceback, a non-zero exit code, and no graph run.

In process (``orchestration.cli.main``), fast: each case stops before Dagster is involved. The live
"upstream unreachable" case is tested where it arises, in tests/unit/test_ingestion_assets.py; here
only how a failed run's line reaches the terminal.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingestion.errors import FIX
from ingestion.yahoo_fetch import land_snapshot
from orchestration import cli
from warehouse import db


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ROTATION_HOME and no other ROTATION_* setting; a guard that no graph runs."""
    for name in ("ROTATION_SOURCE", "ROTATION_SNAPSHOT_DIR", "ROTATION_START_DATE"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("ROTATION_HOME", str(home))

    def no_run(*args, **kwargs):
        raise AssertionError("the graph must not run")

    monkeypatch.setattr(cli, "execute", no_run)
    return home


def error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The one stderr line, checked for its shape: ``error: <cause> — fix: <what to do>``."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    line = lines[0]
    assert line.startswith("error: ") and line.count(FIX) == 1, line
    cause, fix = line.removeprefix("error: ").split(FIX)
    assert cause.strip() and fix.strip(), line
    return line


# 1. a wrong ROTATION_SOURCE ---------------------------------------------------------------------


@pytest.mark.parametrize("command", [["run"], ["summary"], ["sql", "select 1"]])
def test_wrong_source_names_the_accepted_values(command, monkeypatch, capsys):
    monkeypatch.setenv("ROTATION_SOURCE", "csv")
    assert cli.main(command) == 2
    line = error_line(capsys)
    assert line.startswith("error: ROTATION_SOURCE='csv' is not one of sample, snapshot, live — fix: ")
    assert "ROTATION_SOURCE=snapshot" in line and "ROTATION_SOURCE=live" in line


# 2. snapshot mode without its directory, or without yahoo/ ---------------------------------------


def test_missing_snapshot_dir_names_the_path_and_the_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROTATION_SOURCE", "snapshot")
    monkeypatch.setenv("ROTATION_SNAPSHOT_DIR", str(tmp_path / "no-such-dir"))
    assert cli.main(["run"]) == 2
    line = error_line(capsys)
    assert (
        f"ROTATION_SNAPSHOT_DIR={tmp_path / 'no-such-dir'} does not exist — fix: set ROTATION_SNAPSHOT_DIR"
        in line
    )
    assert "../shared/data/snapshot" in line


def test_snapshot_dir_without_yahoo_stops_before_any_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "snap" / "fred").mkdir(parents=True)
    monkeypatch.setenv("ROTATION_SOURCE", "snapshot")
    monkeypatch.setenv("ROTATION_SNAPSHOT_DIR", str(tmp_path / "snap"))
    assert cli.main(["run"]) == 2
    line = error_line(capsys)
    assert line.startswith(
        f"error: ROTATION_SNAPSHOT_DIR={tmp_path / 'snap'} has no yahoo/ folder (expected yahoo/"
    )
    # the same words as the ingestion step that meets it (e.g. a run launched from the UI)
    with pytest.raises(FileNotFoundError) as landing:
        land_snapshot(tmp_path / "snap", ["IWM"], tmp_path / "landing")
    assert line == f"error: {landing.value}"


# 4. a warehouse file another process holds --------------------------------------------------------


@pytest.fixture
def holder(env: Path) -> Iterator[subprocess.Popen]:
    """Another process holding rotation.duckdb and serving.duckdb open for writing."""
    env.mkdir(parents=True)
    with duckdb.connect(str(env / "serving.duckdb")) as con:
        con.execute("create schema marts; create table marts.m as select 1 as x")
    script = (
        "import duckdb, sys; "
        f"a = duckdb.connect({str(env / 'rotation.duckdb')!r}); b = duckdb.connect({str(env / 'serving.duckdb')!r}); "
        "print('ready', flush=True); sys.stdin.read()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        yield process
    finally:
        process.kill()
        process.wait()


def test_locked_build_file_names_the_file_and_the_process(env, holder, capsys):
    assert cli.main(["run"]) == 1
    line = error_line(capsys)
    assert line.startswith(
        f"error: {env / 'rotation.duckdb'} is locked by another process (PID {holder.pid}: "
    )
    assert "— fix: wait for that run to finish or close that process" in line


@pytest.mark.parametrize("command", [["summary"], ["sql", "select * from marts.m"]])
def test_serving_held_for_writing_names_the_file_and_the_process(command, env, holder, capsys):
    assert cli.main(command) == 1
    line = error_line(capsys)
    assert line.startswith(
        f"error: {env / 'serving.duckdb'} is held for writing by another process (PID {holder.pid}: "
    )
    assert "read_only=True" in line


# 5. no serving.duckdb yet ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["summary"], ["sql", "select 1"]])
def test_missing_serving_file_says_to_run_make_run_first(command, env, capsys):
    assert cli.main(command) == 1
    line = error_line(capsys)
    assert line.startswith(f"error: {env / 'serving.duckdb'} does not exist yet")
    assert "— fix: build the warehouse first: run `make run`" in line
    assert not env.exists(), "reading must not create the home"


# and the failing step's own line after a failed run (e.g. upstream unreachable in live mode) -------


def test_a_failed_run_ends_with_the_failing_steps_line(monkeypatch, capsys):
    unreachable = (
        "FRED unreachable after 4 attempts (last error: ConnectionError: refused): could not download "
        "DGS2 — fix: check the network and retry later, or work offline with ROTATION_SOURCE=sample"
    )
    report = cli.RunReport(success=False, failures=[f"raw__fred_series: {unreachable}"])
    monkeypatch.setattr(cli, "execute", lambda settings, full_refresh=False: report)
    assert cli.main(["run"]) == 1
    out, err = capsys.readouterr()
    assert "run: FAILED" in out and f"error in raw__fred_series: {unreachable}" in out
    assert err.strip().splitlines() == [f"error: {unreachable}"]


def test_a_failed_run_without_a_fix_line_says_where_to_look():
    report = cli.RunReport(
        success=False, checks=[cli.CheckLine("raw/prices", "great_expectations_gate", False, "3 failed")]
    )
    line = cli.failure_line(report)
    assert line.startswith("the run failed (1 check(s) failed, first raw/prices great_expectations_gate")
    assert FIX in line and "serving.duckdb keeps its last good publish" in line


def test_dagster_error_prefixes_are_dropped_from_step_failures():
    assert (
        cli.error_text("dagster._core.definitions.events.Failure: a file is bad\n", "Failure")
        == "a file is bad"
    )
    assert cli.error_text(
        f"ingestion.landing.UpstreamUnavailableError: x{FIX}y\n", "UpstreamUnavailableError"
    ) == (f"x{FIX}y")
    assert cli.error_text("builtins.KeyError: 'close'\n", "KeyError") == "KeyError: 'close'"
    assert db.WarehouseMissingError.__mro__[1] is FileNotFoundError


def test_a_failed_removals_gate_ends_with_the_decision_to_take():
    report = cli.RunReport(
        success=False,
        failures=["raw__prices_removals_gate: 1 blocking asset check failed"],
        checks=[
            cli.CheckLine("raw/prices", "great_expectations_gate", True, "all passed"),
            cli.CheckLine("raw/prices", "removals_gate", False, "1 of 1 expectations failed"),
        ],
    )
    line = cli.failure_line(report)
    assert line.startswith("a load no longer delivered rows that raw held (prices)")
    assert "ROTATION_ALLOW_REMOVALS=prices" in line and "raw.removed_rows" in line
