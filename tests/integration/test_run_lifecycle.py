"""Runs that die, are stopped, or run twice: `rotation run` as a person runs it, in a subprocess.

- a run killed (SIGKILL) while parsing stays STARTED in the Dagster instance holding its slot of the
  writer pool; the next `rotation run` clears it (one `note:` line) and proceeds;
- SIGINT (Ctrl-C) and SIGTERM stop a run at once: exit 130 / 143, one `error:` line, the run marked
  CANCELED, serving.duckdb unchanged, the next run proceeds;
- a Spark run stopped in its dbt step leaves no dbt subprocess and no Spark JVM behind;
- two writers on one warehouse never interleave: a second `rotation run` refuses at once with one
  line naming the first; a run started outside the CLI (as from the UI or a schedule) waits for the
  writer and says for whom; the first run's publish judges its own checks, not the other's plan.

The sample from ROTATION_START_DATE=2024-06-01 keeps each build short; a run is stopped at a point
read from its own streamed log (a parsing progress line, dbt's first model), never by a test hook.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, EventRecordsFilter

from orchestration.dbt_process import descendants, running
from tests.integration.conftest import file_digest, make_settings, run_graph

pytestmark = pytest.mark.slow

START = "2024-06-01"
ROTATION = [sys.executable, "-m", "orchestration.cli", "run"]
PARSING = "files parsed"  # the ingestion's progress lines (cftc: 1/19 files parsed ...)
DBT_BUILDING = "START sql"  # dbt building its first model: checks passed, nothing published yet


@pytest.fixture(scope="module")
def late_sample(tmp_path_factory):
    """One successful build of the sample from START (serving published), copied by each test."""
    settings = make_settings(tmp_path_factory.mktemp("late_sample"), "sample", start=START)
    assert run_graph(settings).success
    return settings


@pytest.fixture
def home(late_sample, tmp_path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(late_sample.home, home)
    return home


def environment(home: Path, dagster_home: Path) -> dict[str, str]:
    # without make's exports: `rotation run` sets its own instance environment
    inherited = {
        k: v for k, v in os.environ.items() if k != "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
    }
    return {
        **inherited,
        "ROTATION_SOURCE": "sample",
        "ROTATION_HOME": str(home),
        "ROTATION_START_DATE": START,
        "DAGSTER_HOME": str(dagster_home),
    }


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for(process: subprocess.Popen, log: Path, marker: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while marker not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, f"the run ended before {marker!r}:\n{log.read_text()[-3000:]}"
    assert marker in log.read_text(), f"no {marker!r} within {timeout}s"


def finish(process: subprocess.Popen, timeout: float) -> int:
    """The exit code; a run still going after ``timeout`` seconds is killed and fails the test."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"the run was still going after {timeout}s (wedged)")


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error: ")]


def runs(dagster_home: Path) -> list:
    """The runs recorded in the instance at ``dagster_home``, oldest first."""
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        return list(reversed(instance.get_runs()))


def notes(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("note: ")]


def stop(env: dict[str, str], log: Path, signum: int, marker: str, code: int, serving: Path) -> str:
    """Start `rotation run`, send ``signum`` to the CLI alone (as `kill` does; Ctrl-C would reach dbt
    as well) once ``marker`` is in its log, and assert the promise: exit ``code`` within a minute,
    one `error:` line as the last word, nothing published. Returns the run's output."""
    before = file_digest(serving)
    stopped = start(ROTATION, env, log)
    wait_for(stopped, log, marker, timeout=120)
    t0 = time.monotonic()
    os.kill(stopped.pid, signum)
    assert finish(stopped, timeout=60) == code, log.read_text()[-3000:]
    assert time.monotonic() - t0 < 60
    text = log.read_text()
    lines = error_lines(text)
    assert len(lines) == 1, lines
    assert f"stopped by {signal.Signals(signum).name}" in lines[0] and "canceled" in lines[0]
    assert "published nothing" in lines[0] and " — fix: " in lines[0]
    assert text.rstrip().endswith(lines[0]), "the one line is the last word"
    assert file_digest(serving) == before, "a stopped run publishes nothing"
    assert not list(serving.parent.glob(".serving.duckdb.*.tmp"))
    return text


def test_killed_and_stopped_runs_never_wedge_the_next(home, tmp_path):
    """One warehouse through a SIGKILL while parsing, a Ctrl-C (SIGINT) while parsing, a SIGTERM
    during dbt, then a run to the end: each next run proceeds at once."""
    dagster_home = tmp_path / "dagster_home"
    env = environment(home, dagster_home)
    serving = home / "serving.duckdb"
    before = file_digest(serving)

    killed = start(ROTATION, env, tmp_path / "killed.log")
    wait_for(killed, tmp_path / "killed.log", PARSING)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=60)
    assert file_digest(serving) == before
    dead = runs(dagster_home)
    assert [r.status for r in dead] == [DagsterRunStatus.STARTED], "the killed run stays STARTED"

    # the next run clears the dead run (one note), gets past its pool slot, and is stopped by Ctrl-C
    text = stop(env, tmp_path / "sigint.log", signal.SIGINT, PARSING, 130, serving)
    cleared = notes(text)
    assert len(cleared) == 1, cleared
    assert "cleared a dead run" in cleared[0] and dead[0].run_id[:8] in cleared[0]
    assert str(killed.pid) in cleared[0] and "freed its 1 writer-pool slot" in cleared[0]
    statuses = {r.run_id: r.status for r in runs(dagster_home)}
    assert statuses[dead[0].run_id] == DagsterRunStatus.FAILURE
    assert list(statuses.values())[-1] == DagsterRunStatus.CANCELED

    text = stop(env, tmp_path / "sigterm.log", signal.SIGTERM, DBT_BUILDING, 143, serving)
    assert not notes(text), "a stopped run leaves nothing to clear"
    statuses = [r.status for r in runs(dagster_home)]
    assert statuses[-1] == DagsterRunStatus.CANCELED and DagsterRunStatus.STARTED not in statuses

    nxt = subprocess.run(ROTATION, env=env, capture_output=True, text=True, timeout=600)
    assert nxt.returncode == 0, nxt.stderr[-3000:]
    assert not notes(nxt.stderr), "nothing was left to clear"
    assert file_digest(serving) != before, "the run to the end publishes"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def spark_tree(run: subprocess.Popen, log: Path, timeout: float) -> dict[int, str]:
    """The processes below ``run`` (PID -> command line) once a Spark JVM is among them."""
    deadline = time.monotonic() + timeout
    while run.poll() is None and time.monotonic() < deadline:
        tree = {pid: command_line(pid) for pid in descendants(run.pid)}
        if any(cmd.split(" ")[0].endswith("/java") for cmd in tree.values()):
            return tree
        time.sleep(0.2)
    pytest.fail(f"no Spark JVM below the run within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.mark.spark
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17): no `java` on PATH")
def test_a_stopped_spark_run_leaves_no_dbt_or_java_process(home, tmp_path):
    """SIGTERM to `ROTATION_ENGINE=spark rotation run` once its dbt step has started Spark's JVM: the
    run ends as stopped (143, one line, CANCELED), and the dbt subprocess and the JVM end with it.
    dbt-spark cannot cancel what Spark is doing (its start-up, a query) and pyspark's JVM ignores
    SIGINT, so dbt waited past dagster-dbt's 25 s and both outlived the run until the step stopped
    them (orchestration/dbt_process.py). Stopped during the JVM's start-up: the cheapest point."""
    dagster_home = tmp_path / "dagster_home"
    env = {**environment(home, dagster_home), "ROTATION_ENGINE": "spark"}
    log = tmp_path / "spark_stop.log"
    serving = home / "serving.duckdb"
    before = file_digest(serving)
    run = start(ROTATION, env, log)
    tree = spark_tree(run, log, timeout=300)
    dbt = [pid for pid, cmd in tree.items() if "/dbt build " in cmd]
    java = [pid for pid, cmd in tree.items() if cmd.split(" ")[0].endswith("/java")]
    assert dbt, f"expected the dbt build below the run, found {tree}"
    watched = {pid: tree[pid] for pid in dbt + java}
    os.kill(run.pid, signal.SIGTERM)
    assert finish(run, timeout=90) == 143, log.read_text()[-3000:]
    lines = error_lines(log.read_text())
    assert len(lines) == 1 and "stopped by SIGTERM" in lines[0] and "published nothing" in lines[0], lines
    left = {pid: cmd for pid, cmd in watched.items() if running(pid) and command_line(pid) == cmd}
    for pid in left:  # never leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"still running after `rotation run` exited: {left}"
    assert file_digest(serving) == before
    assert runs(dagster_home)[-1].status == DagsterRunStatus.CANCELED


def test_two_writers_on_one_warehouse_never_interleave(home, tmp_path):
    from orchestration.definitions import build_definitions

    dagster_home = tmp_path / "dagster_home"
    env = environment(home, dagster_home)
    ui_defs = build_definitions(make_settings(home, "sample", start=START))
    first = start(ROTATION, env, tmp_path / "first.log")
    wait_for(first, tmp_path / "first.log", PARSING)

    # a second `rotation run` refuses at once, naming the first
    second = subprocess.run(ROTATION, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 1
    assert error_lines(second.stderr) == [second.stderr.strip()], second.stderr
    assert f"another run is writing the warehouse {home}" in second.stderr
    assert f"PID {first.pid}" in second.stderr and "did not start" in second.stderr

    # a run started by Dagster outside the CLI (as the UI or a schedule would) waits for the writer
    other = start(
        [str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "orchestration.definitions"]
        + ["-j", "marts_and_serving"],
        env,
        tmp_path / "other.log",
    )
    wait_for(other, tmp_path / "other.log", "waiting for", timeout=120)
    assert f"waiting for PID {first.pid} (" in (tmp_path / "other.log").read_text()

    # while the first run builds dbt, another run is created, as the UI's Materialize creates one
    # (its checks PLANNED at creation; it is never started here)
    wait_for(first, tmp_path / "first.log", DBT_BUILDING)
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        queued = instance.create_run_for_job(job_def=ui_defs.resolve_job_def("marts_and_serving"))

    # the first run publishes: its guard judges its own checks, not the other runs' PLANNED ones
    assert finish(first, timeout=600) == 0, (tmp_path / "first.log").read_text()[-3000:]
    assert "has not passed" not in (tmp_path / "first.log").read_text()
    assert finish(other, timeout=600) == 0, (tmp_path / "other.log").read_text()[-3000:]

    # never interleaved: the waiting run's first step started after the first build's last step ended
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        by_job = {r.job_name: r for r in instance.get_runs() if r.run_id != queued.run_id}
        assert sorted(by_job) == ["ingest_positioning", "marts_and_serving", "prices_and_rates"]
        assert all(r.status == DagsterRunStatus.SUCCESS for r in by_job.values())
        # every run, from the CLI or not, says which warehouse it built
        assert {(r.tags.get("rotation/home"), r.tags.get("rotation/source")) for r in by_job.values()} == {
            (str(home), "sample")
        }

        def step_times(run_id: str, kind: DagsterEventType) -> list[float]:
            records = instance.get_event_records(EventRecordsFilter(event_type=kind), limit=10_000)
            return [r.timestamp for r in records if r.run_id == run_id]

        cli_runs = [by_job["ingest_positioning"].run_id, by_job["prices_and_rates"].run_id]
        cli_ends = [t for run_id in cli_runs for t in step_times(run_id, DagsterEventType.STEP_SUCCESS)]
        waiting_starts = step_times(by_job["marts_and_serving"].run_id, DagsterEventType.STEP_START)
        assert waiting_starts and max(cli_ends) < min(waiting_starts)
        # a run over a range of months plans each asset once, not once per month
        prices_run = by_job["prices_and_rates"].run_id
        planned = [
            r.asset_key
            for r in instance.get_event_records(
                EventRecordsFilter(event_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED), limit=10_000
            )
            if r.run_id == prices_run
        ]
        assert AssetKey(["raw", "prices"]) in planned and len(planned) == len(set(planned)), planned
        published = instance.get_latest_materialization_event(AssetKey(["serving"]))
        assert published.run_id == by_job["marts_and_serving"].run_id
