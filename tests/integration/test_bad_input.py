"""Bad upstream data: a clear error or a failed blocking check, and serving.duckdb left untouched.

Uses a small snapshot directory built in a temporary folder from a few real snapshot files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from dagster import DagsterInstance

from tests.integration.conftest import file_digest, make_settings, run_graph

pytestmark = pytest.mark.slow

SYMBOLS = ["^RUT", "^GSPC", "^NDX", "IWM", "SPY", "QQQ"]
START = "2015-01-01"


@pytest.fixture(scope="module")
def pristine_build(tmp_path_factory, snapshot_dir):
    """A snapshot dir with six real price files and the FRED, CFTC and French files (copied into tmp,
    never into the repository), and a good build of it: built once, copied by each test."""
    root = tmp_path_factory.mktemp("bad_input")
    snapshot = root / "snapshot"
    (snapshot / "yahoo").mkdir(parents=True)
    for symbol in SYMBOLS:
        shutil.copy(snapshot_dir / "yahoo" / f"{symbol}.csv", snapshot / "yahoo" / f"{symbol}.csv")
    for folder in ("fred", "cftc", "french"):
        shutil.copytree(snapshot_dir / folder, snapshot / folder)
    settings = make_settings(root / "home", "snapshot", snapshot, start=START)
    run = run_graph(settings)
    assert run.success, run.failures
    return snapshot, settings.home


@pytest.fixture()
def small_snapshot(tmp_path, pristine_build):
    """This test's own copy of the small snapshot, free to damage."""
    return shutil.copytree(pristine_build[0], tmp_path / "snapshot")


@pytest.fixture()
def good_build(tmp_path, small_snapshot, pristine_build):
    """This test's own copy of the good build, reading its own snapshot copy."""
    home = shutil.copytree(pristine_build[1], tmp_path / "home")
    settings = make_settings(home, "snapshot", small_snapshot, start=START)
    return settings, file_digest(settings.serving_db)


def _replace_line(path, line_number: int, new_line: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[line_number - 1] = new_line + "\n"
    path.write_text("".join(lines))


def test_corrupted_price_file_names_file_and_line_and_keeps_serving(good_build, small_snapshot, tmp_path):
    """Through the `rotation run` command, as a user meets it: exit code, message, serving kept."""
    settings, serving_digest = good_build
    iwm = small_snapshot / "yahoo" / "IWM.csv"
    date = iwm.read_text().splitlines()[5000].split(",")[0]
    _replace_line(iwm, 5001, f"{date},12O.5,121.0,119.0,120.0,1000")  # letter O in a number
    env = {
        **os.environ,
        "ROTATION_SOURCE": "snapshot",
        "ROTATION_SNAPSHOT_DIR": str(small_snapshot),
        "ROTATION_HOME": str(settings.home),
        "ROTATION_START_DATE": settings.start_date.isoformat(),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    summary = done.stdout[done.stdout.rindex("=" * 72) :]
    assert "run: FAILED" in summary
    assert "IWM.csv line 5001: column Close: expected a number or an empty field, got '12O.5'" in summary
    assert "serving.duckdb was NOT replaced" in summary
    assert file_digest(settings.serving_db) == serving_digest, "serving.duckdb must be untouched"
    # the last line carries the cause itself, not "details above"
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: step raw__prices failed: raw.prices (snapshot): IWM.csv line 5001: "), last
    assert " — fix: " in last


def test_a_snapshot_link_out_of_the_snapshot_ends_the_run_without_reading_it(
    good_build, small_snapshot, tmp_path
):
    """yahoo/IWM.csv made a link to a file outside the snapshot (as to /etc/passwd): the run stops on
    it with one line naming the link and its target; its content is never landed or shown, serving is
    untouched. The same run notes a file of an unknown name in cftc/ in raw.loads instead of ignoring
    it (the CFTC load comes first and succeeds)."""
    settings, serving_digest = good_build
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n")
    iwm = small_snapshot / "yahoo" / "IWM.csv"
    iwm.unlink()
    iwm.symlink_to(secret)
    stray = small_snapshot / "cftc" / "annual_2025.txt"
    shutil.copy(next((small_snapshot / "cftc").glob("FinFut*.txt")), stray)
    env = {
        **os.environ,
        "ROTATION_SOURCE": "snapshot",
        "ROTATION_SNAPSHOT_DIR": str(small_snapshot),
        "ROTATION_HOME": str(settings.home),
        "ROTATION_START_DATE": settings.start_date.isoformat(),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"error: snapshot file yahoo/IWM.csv in ROTATION_SNAPSHOT_DIR={small_snapshot} points to {secret}, "
        "outside the snapshot directory"
    ), last
    assert "SECRET-CONTENT" not in done.stdout + done.stderr
    landed = [p for p in (settings.home / "landing").rglob("*") if p.is_file()]
    assert not any(b"SECRET-CONTENT" in p.read_bytes() for p in landed)
    assert file_digest(settings.serving_db) == serving_digest, "serving.duckdb must be untouched"
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        (notes,) = con.execute(
            "select notes from raw.loads where system = 'cftc' order by loaded_at desc limit 1"
        ).fetchone()
    assert any(n.startswith(f"skipped annual_2025.txt in {small_snapshot / 'cftc'}: not ") for n in notes), (
        notes
    )


def test_negative_price_fails_the_gate_keeps_the_row_in_raw_and_serving_untouched(
    good_build, small_snapshot, tmp_path
):
    settings, serving_digest = good_build
    spy = small_snapshot / "yahoo" / "SPY.csv"
    fields = spy.read_text().splitlines()[7000].split(",")
    date = fields[0]
    _replace_line(spy, 7001, f"{date},-5.0,{fields[2]},{fields[3]},{fields[4]},{fields[5]}")
    (tmp_path / "dagster_home").mkdir()
    instance = DagsterInstance.local_temp(str(tmp_path / "dagster_home"))
    run = run_graph(settings, instance)
    assert not run.success
    assert run.checks["raw/prices:great_expectations_gate"] is False
    assert "raw/prices" in run.materialized
    assert "marts/relative_performance" not in run.materialized, "dbt must not build on bad raw data"
    assert "serving" not in run.materialized
    assert file_digest(settings.serving_db) == serving_digest
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        close = con.execute(
            "select close from raw.prices where symbol = 'SPY' and date = ?", [date]
        ).fetchone()[0]
    assert close == -5.0, "the failing row stays visible in raw"
    # Publishing on its own (e.g. only `serving` selected in the UI) refuses after the failed gate.
    alone = run_graph(settings, instance, selection=["serving"])
    assert not alone.success
    assert "raw/prices:great_expectations_gate" in "\n".join(alone.failures)
    assert file_digest(settings.serving_db) == serving_digest
    instance.dispose()


def test_missing_requested_symbol_fails_the_gate(good_build, small_snapshot, tmp_path):
    """A file that parses but holds no rows for its symbol after the start date."""
    settings, serving_digest = good_build
    qqq = small_snapshot / "yahoo" / "QQQ.csv"
    lines = qqq.read_text().splitlines()
    old = [line for line in lines[1:] if line[:4] < "2015"]
    qqq.write_text("\n".join([lines[0], *old]) + "\n")
    run = run_graph(settings)
    assert run.checks["raw/prices:great_expectations_gate"] is False
    assert file_digest(settings.serving_db) == serving_digest
