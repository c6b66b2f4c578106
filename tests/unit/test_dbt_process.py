"""dbt's process tree stopped with its step (orchestration/dbt_process.py), on stand-in processes: a
"dbt" that starts a child ignoring SIGINT (as pyspark starts Spark's JVM) and waits on it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster._core.errors import DagsterExecutionInterruptedError

from orchestration.dbt_process import descendants, running, stop_tree, stream_stopping_dbt

# a parent that starts a SIGINT-ignoring, SIGTERM-honouring child, prints its PID, then waits for it
# through SIGINT (as dbt on Spark waits for its running query after Ctrl-C)
PARENT = """
import signal, subprocess, sys
signal.signal(signal.SIGINT, lambda *_: None)
child = subprocess.Popen(
    [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)"],
    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
)
print(child.pid, flush=True)
child.wait()
"""


@pytest.fixture
def tree():
    """A running stand-in for dbt (our child) and its JVM (its child); both killed at the end."""
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    yield parent, child
    for pid in (child, parent.pid):
        if running(pid):
            os.kill(pid, signal.SIGKILL)
    parent.wait(timeout=10)


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(running(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if running(p)]


def test_descendants_finds_the_child_of_the_child(tree):
    parent, child = tree
    assert descendants(parent.pid) == [child], (parent.pid, child, Path(f"/proc/{child}/stat").read_text())
    mine = descendants(os.getpid())
    assert parent.pid in mine and child in mine and mine.index(parent.pid) < mine.index(child), mine


def test_sigint_alone_leaves_the_tree_running_and_stop_tree_ends_it(tree):
    parent, child = tree
    parent.send_signal(signal.SIGINT)  # what dagster-dbt forwards: the stand-in JVM ignores it
    time.sleep(0.5)
    assert running(child), "the stand-in JVM should ignore SIGINT, as pyspark's does"
    stopped = stop_tree(parent, grace=10)
    assert sorted(stopped) == sorted([parent.pid, child])
    assert wait_gone([parent.pid, child]) == [], "dbt and its JVM still running after stop_tree"
    assert parent.returncode is not None, "dbt (our child) is reaped"


def test_stop_tree_kills_what_ignores_sigterm(tmp_path):
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    stubborn.stdout.readline()  # its handler is set
    started = time.monotonic()
    assert stop_tree(stubborn, grace=0.5) == [stubborn.pid]
    assert stubborn.returncode == -signal.SIGKILL, stubborn.returncode
    assert time.monotonic() - started < 10


def test_a_finished_process_has_nothing_to_stop():
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait(timeout=30)
    assert stop_tree(done) == []


class FakeInvocation:
    """What stream_stopping_dbt uses of dagster-dbt's DbtCliInvocation: process, stream() and the
    termination timeout; the stream yields ``events`` then raises ``error`` (if any)."""

    def __init__(self, process, events, error=None):
        self.process = process
        self.events = events
        self.error = error
        self.termination_timeout_seconds = 25

    def stream(self):
        yield from self.events
        if self.error is not None:
            raise self.error


def interrupted_timeout(process) -> subprocess.TimeoutExpired:
    """What dagster-dbt raises when dbt outlives its SIGINT wait: TimeoutExpired, raised while
    handling the interrupt (so the interrupt is its context)."""
    try:
        try:
            raise DagsterExecutionInterruptedError()
        except DagsterExecutionInterruptedError:
            process.wait(timeout=0.01)
    except subprocess.TimeoutExpired as error:
        return error
    raise AssertionError("the stand-in dbt ended on its own")


def test_an_interrupted_stream_stops_dbt_and_its_jvm_and_stays_an_interrupt(tree):
    parent, child = tree
    invocation = FakeInvocation(parent, ["e1", "e2"], interrupted_timeout(parent))
    seen = []
    with pytest.raises(DagsterExecutionInterruptedError):
        for event in stream_stopping_dbt(invocation, "spark"):
            seen.append(event)
    assert seen == ["e1", "e2"]
    assert invocation.termination_timeout_seconds == 3.0, "Spark's short SIGINT wait"
    assert wait_gone([parent.pid, child]) == [], "dbt and its JVM outlived the interrupted step"


def test_a_stream_closed_early_stops_the_tree(tree):
    parent, child = tree
    stream = stream_stopping_dbt(FakeInvocation(parent, ["e1", "e2"]), "duckdb")
    assert next(stream) == "e1"
    stream.close()  # GeneratorExit: the step stopped iterating
    assert wait_gone([parent.pid, child]) == []


def test_a_dbt_failure_is_raised_as_it_was_and_duckdb_keeps_dagster_dbts_wait():
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait(timeout=30)
    invocation = FakeInvocation(done, ["e1"], RuntimeError("dbt build failed"))
    with pytest.raises(RuntimeError, match="dbt build failed"):
        list(stream_stopping_dbt(invocation, "duckdb"))
    assert invocation.termination_timeout_seconds == 25
    plain_timeout = FakeInvocation(done, [], subprocess.TimeoutExpired(["dbt"], 3))
    with pytest.raises(subprocess.TimeoutExpired):
        list(stream_stopping_dbt(plain_timeout, "spark"))
