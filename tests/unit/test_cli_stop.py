"""The one line of `rotation run` when it is stopped by a signal, or refused by another writer."""

from __future__ import annotations

import signal

import duckdb

from ingestion.settings import Settings
from orchestration.cli import STOP_EXIT_CODES, RunCanceled, busy_line, canceled_line
from warehouse import writer_lock


def settings(home) -> Settings:
    return Settings.from_env({"ROTATION_HOME": str(home)})


def serving_published_by(home, run_id: str) -> None:
    with duckdb.connect(str(home / "serving.duckdb")) as con:
        con.execute("create schema meta")
        con.execute("create table meta.build_info as select ? as dagster_run_id", [run_id])


def test_exit_codes_are_128_plus_the_signal():
    assert STOP_EXIT_CODES == {signal.SIGINT: 130, signal.SIGTERM: 143}


def test_a_stopped_run_that_published_nothing_says_so(tmp_path):
    serving_published_by(tmp_path, "an-earlier-run")
    line = canceled_line(
        settings(tmp_path), RunCanceled(signal.SIGTERM, ["c4e13ade-1111"], ["prices_and_rates"])
    )
    assert line.startswith(
        "the run was stopped by SIGTERM and canceled (prices_and_rates run c4e13ade marked"
    )
    assert "it published nothing; serving.duckdb keeps its last good publish" in line and " — fix: " in line


def test_a_run_stopped_after_its_publish_says_serving_is_its_own(tmp_path):
    serving_published_by(tmp_path, "c4e13ade-1111")
    line = canceled_line(
        settings(tmp_path), RunCanceled(signal.SIGINT, ["c4e13ade-1111"], ["prices_and_rates"])
    )
    assert "stopped by SIGINT (Ctrl-C)" in line
    assert "serving.duckdb had already been published by it (its checks had passed)" in line


def test_a_refused_run_names_the_writer_and_how_to_proceed(tmp_path):
    holder = writer_lock.Holder(
        pid=4242, command="rotation run", since="12:00 UTC", run_id="7628ae80-x", job="j"
    )
    line = busy_line(writer_lock.WriterBusyError(tmp_path, holder))
    assert line.startswith(f"another run is writing the warehouse {tmp_path}: PID 4242 (rotation run, since")
    assert "Dagster run 7628ae80 of j" in line and "this run did not start" in line and "kill 4242" in line
