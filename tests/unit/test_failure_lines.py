"""Every failure ends with one line carrying its cause and its fix.

- a failed step without a ``— fix:`` of its own: the last line quotes that step's error (the cause),
  with a generic fix, instead of "details above";
- the disk refusing a write (read-only file system, permission denied, no space left) wherever the
  warehouse writes (landing copy, build file, publish, Parquet export): a StorageError naming the
  path, the cause and the fix, not retried by the ingestion step;
- a ROTATION_HOME that cannot be written: `rotation run` stops before any run with one line (exit 2),
  in process and as a subprocess (a real unwritable directory)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import Failure, build_asset_context

from ingestion import landing
from ingestion.errors import FIX, StorageError, storage_error
from ingestion.settings import REPO_ROOT, Settings
from orchestration import cli
from orchestration.assets.ingestion import ingest
from warehouse import db, raw


def one_line(text: str) -> str:
    assert "\n" not in text.strip() and text.count(FIX) == 1, text
    return text.strip()


# the last line of a failed run ------------------------------------------------------------------


def test_a_failed_step_without_a_fix_line_gives_its_own_error_as_the_cause():
    report = cli.RunReport(
        success=False,
        failures=["raw__prices: KeyError: 'close'", "raw__fred_series: ValueError: x"],
        checks=[cli.CheckLine("raw/prices", "great_expectations_gate", False, "3 failed")],
    )
    line = one_line(cli.failure_line(report))
    assert line.startswith("step raw__prices failed: KeyError: 'close' — fix: correct that cause"), line
    assert "details above" not in line.partition(FIX)[0]
    assert line.endswith("serving.duckdb keeps its last good publish")


def test_a_very_long_step_error_is_cut_but_stays_on_one_line():
    report = cli.RunReport(success=False, failures=["dbt_build: " + "word\n" * 500])
    line = one_line(cli.failure_line(report))
    assert len(line) < cli.MAX_CAUSE + 300 and "..." in line


def test_the_cli_ends_a_failed_run_with_the_steps_cause(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ROTATION_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ROTATION_SOURCE", raising=False)
    report = cli.RunReport(success=False, failures=["raw__prices: OSError: [Errno 5] Input/output error"])
    monkeypatch.setattr(cli, "execute", lambda settings, full_refresh=False: report)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {cli.failure_line(report)}"]
    assert err[0].startswith("error: step raw__prices failed: OSError: [Errno 5] Input/output error — fix: ")


# the disk refusing a write ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EROFS, "is on a read-only file system"),
        (errno.EACCES, "cannot be written by this user (permission denied)"),
        (errno.ENOSPC, "is on a full disk (no space left on the device)"),
    ],
)
def test_landing_a_file_on_a_refusing_disk_is_one_line(tmp_path, monkeypatch, code, words):
    def refuse(src, dst):
        raise OSError(code, os.strerror(code), str(dst))

    monkeypatch.setattr(landing.os, "replace", refuse)
    with pytest.raises(StorageError) as refused:
        landing.land_bytes(b"x", tmp_path / "landing", "yahoo", "snapshot", "IWM.csv")
    message = one_line(str(refused.value))
    assert message.startswith(f"the warehouse could not write {tmp_path / 'landing'}/yahoo/snapshot/"), (
        message
    )
    assert f"IWM.csv: it {words} — fix: " in message
    assert "ROTATION_HOME" in message.partition(FIX)[2]
    assert not [p for p in (tmp_path / "landing").rglob("*") if p.is_file()], "no temporary file left"


def test_duckdbs_words_for_a_full_disk_are_recognised():
    error = duckdb.IOException(
        'IO Error: Could not write file "/h/rotation.duckdb.wal": No space left on device'
    )
    refused = storage_error(error, Path("/h/rotation.duckdb"))
    assert refused is not None and refused.errno == errno.ENOSPC
    assert storage_error(duckdb.IOException("IO Error: something else"), "/h") is None
    assert storage_error(KeyError("x"), "/h") is None


def test_the_ingestion_step_fails_without_retry_on_a_refusing_disk(tmp_path):
    def land(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "landing" / "x.csv"))

    settings = Settings.from_env({"ROTATION_SOURCE": "live", "ROTATION_HOME": str(tmp_path)})
    with build_asset_context() as context, pytest.raises(Failure) as failed:
        ingest(context, settings, raw.PRICES, land, parse=None)
    assert failed.value.allow_retries is False, "a full disk does not empty itself: no step retry"
    assert one_line(failed.value.description).startswith(
        f"the warehouse could not write {tmp_path / 'landing' / 'x.csv'}: it is on a full disk"
    )


def test_publish_on_a_full_disk_is_one_line_and_keeps_the_old_serving(tmp_path, monkeypatch):
    build, serving = tmp_path / "rotation.duckdb", tmp_path / "serving.duckdb"
    con = duckdb.connect(str(build))
    con.execute("create schema marts; create table marts.t as select 1 as a")
    con.close()
    serving.write_bytes(b"the last good publish")

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(db.os, "replace", full)
    with pytest.raises(StorageError) as refused:
        db.publish(build, serving, build_info={"source": "sample"})
    assert one_line(str(refused.value)).startswith("the warehouse could not write ")
    assert serving.read_bytes() == b"the last good publish"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".serving")] == []


# a ROTATION_HOME a run cannot write -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.EROFS, "it is on a read-only file system"), (errno.EACCES, "it cannot be written by this user")],
)
def test_run_stops_before_any_run_on_an_unwritable_home(tmp_path, monkeypatch, capsys, code, words):
    import tempfile

    home = tmp_path / "home"
    monkeypatch.setenv("ROTATION_HOME", str(home))
    monkeypatch.delenv("ROTATION_SOURCE", raising=False)

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(cli, "execute", lambda *a, **k: pytest.fail("the graph must not run"))
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = one_line(err)
    assert line.startswith(f"error: ROTATION_HOME={home} is not writable: {words}"), line


def unwritable_dir(tmp_path: Path) -> Path:
    """A directory this process cannot create files in: a read-only one for a normal user; for root
    (which ignores modes) a path under /sys, where creating anything is refused."""
    if os.geteuid() != 0:
        home = tmp_path / "ro"
        home.mkdir()
        home.chmod(0o555)
        return home
    home = Path("/sys/rotation-test-home")
    try:
        home.mkdir()
    except OSError:
        return home
    home.rmdir()
    pytest.skip("no unwritable directory on this machine")


def test_rotation_run_on_an_unwritable_home_is_one_line_exit_2(tmp_path):
    home = unwritable_dir(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROTATION_")}
    env["ROTATION_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "run"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    line = one_line(done.stderr)
    assert line.startswith(f"error: ROTATION_HOME={home} is not writable: it "), line
