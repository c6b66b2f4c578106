"""The `rotation` command: clear one-line errors for bad settings; the summary of a serving file."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from ingestion.settings import Settings
from orchestration.cli import CheckLine, RunReport, format_summary
from warehouse import db


def test_wrong_source_exits_2_with_one_line_cause_and_fix(tmp_path):
    env = {**os.environ, "ROTATION_SOURCE": "bogus", "ROTATION_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: ROTATION_SOURCE='bogus' is not one of sample, snapshot, live — fix: unset it for the "
        "generated sample, or set ROTATION_SOURCE=snapshot (files in ROTATION_SNAPSHOT_DIR) or "
        "ROTATION_SOURCE=live (downloads; needs the network)"
    ]


def test_summary_lists_tables_rows_dates_checks_and_serving_path(tmp_path):
    settings = Settings.from_env({"ROTATION_HOME": str(tmp_path)})
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.m as select date '2024-01-02' + i::integer as date, i from range(3) t(i)"
        )
    db.publish(settings.build_db, settings.serving_db, build_info={"source": "sample", "synthetic": True})
    report = RunReport(
        success=True,
        checks=[
            CheckLine("raw/prices", "great_expectations_gate", True, "all 9 passed"),
            CheckLine("marts/m", "t", True),
        ],
    )
    text = format_summary(settings, report)
    assert "SYNTHETIC" in text
    assert "checks: 2 passed, 0 failed" in text
    assert "marts.m" in text and "2024-01-02" in text and "2024-01-04" in text
    assert str(settings.serving_db) in text


def test_summary_after_a_failed_run_says_serving_was_kept(tmp_path):
    settings = Settings.from_env({"ROTATION_HOME": str(tmp_path)})
    text = format_summary(settings, RunReport(success=False, failures=["raw__prices: IWM.csv line 5: bad"]))
    assert "run: FAILED" in text and "IWM.csv line 5" in text
    assert "does not exist yet" in text


def test_summary_dates_a_table_by_its_date_not_by_an_interval_start(tmp_path):
    # relative_performance has both `date` and `start_date` (the first day of its window): the summary's
    # first/last date are the table's `date` range, never the window starts'.
    settings = Settings.from_env({"ROTATION_HOME": str(tmp_path)})
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.m as select date '2000-01-03' + i::integer as start_date,"
            " date '2024-01-02' + i::integer as date, i from range(3) t(i)"
        )
        con.execute(
            "create table marts.r as select date '2020-06-01' as report_date, date '2019-01-01' as start_date"
        )
    db.publish(settings.build_db, settings.serving_db, build_info={"source": "sample", "synthetic": True})
    line_m = next(line for line in format_summary(settings, None).splitlines() if "marts.m " in line)
    assert line_m.split()[-2:] == ["2024-01-02", "2024-01-04"]
    line_r = next(line for line in format_summary(settings, None).splitlines() if "marts.r " in line)
    assert line_r.split()[-2:] == ["2020-06-01", "2020-06-01"]


def test_summary_prints_the_report_size_and_the_render_time_of_this_run(tmp_path):
    settings = Settings.from_env({"ROTATION_HOME": str(tmp_path)})
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.m as select date '2024-01-02' as date")
    db.publish(settings.build_db, settings.serving_db, build_info={"source": "sample", "synthetic": True})
    settings.reports_dir.mkdir(parents=True)
    (settings.reports_dir / "rotation_report.html").write_bytes(b"x" * 2_400_000)
    line = next(
        line
        for line in format_summary(settings, RunReport(True, report_seconds=1.5)).splitlines()
        if line.startswith("report:")
    )
    assert "(2.4 MB, rendered in 1.5 s, one file" in line
    # a summary without a run (or a run that did not draw it) gives the size only
    line = next(line for line in format_summary(settings, None).splitlines() if line.startswith("report:"))
    assert "(2.4 MB, one file" in line
