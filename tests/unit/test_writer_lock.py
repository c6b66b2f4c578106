"""The warehouse's writer lock (warehouse/writer_lock.py) and the dead-run test of run_recovery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from orchestration.run_recovery import process_alive
from warehouse import writer_lock

HOLDER = textwrap.dedent(
    """
    import sys, time
    from warehouse import writer_lock
    with writer_lock.hold(sys.argv[1], wait=False):
        writer_lock.describe_run(sys.argv[1], "1a2b3c4d-0000", "prices_and_rates")
        print("held", flush=True)
        time.sleep(120)
    """
)


@pytest.fixture
def holder(tmp_path):
    """Another process holding the writer lock of tmp_path (a run writing that warehouse)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait()


def test_a_second_writer_is_refused_with_the_holder_named(tmp_path, holder):
    with pytest.raises(writer_lock.WriterBusyError) as refused, writer_lock.hold(tmp_path, wait=False):
        pass
    message = str(refused.value)
    assert f"another run is writing the warehouse {tmp_path}" in message
    assert f"PID {holder.pid} (" in message and "Dagster run 1a2b3c4d of prices_and_rates" in message


def test_a_waiting_writer_says_for_whom_and_starts_when_the_holder_dies(tmp_path, holder):
    waited = []

    def on_wait(h: writer_lock.Holder) -> None:
        waited.append(h)
        if len(waited) == 1:
            os.kill(holder.pid, signal.SIGKILL)  # the kernel frees the lock of a killed process

    with writer_lock.hold(tmp_path, wait=True, on_wait=on_wait, poll_seconds=0.05, report_every=0.2):
        assert writer_lock.read_holder(tmp_path).pid == os.getpid()
    assert waited and waited[0].pid == holder.pid and waited[0].run_id.startswith("1a2b3c4d")


def test_a_waiting_writer_stops_when_asked(tmp_path, holder):
    stop = writer_lock.hold(tmp_path, wait=True, should_stop=lambda: True, poll_seconds=0.01)
    with pytest.raises(InterruptedError), stop:
        pass


def test_the_holding_process_takes_it_again_and_releases_it_once(tmp_path):
    with writer_lock.hold(tmp_path, wait=False):
        with writer_lock.hold(tmp_path, wait=False):  # a run's resource inside `rotation run`
            pass
        other = subprocess.run([sys.executable, "-c", HOLDER, str(tmp_path)], capture_output=True, text=True)
        assert "WriterBusyError" in other.stderr
    started = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert started.stdout.readline().strip() == "held"
    finally:
        started.kill()
        started.wait()


def test_a_process_is_alive_only_if_it_started_before_the_run():
    me = os.getpid()
    assert process_alive(me, time.time())
    assert not process_alive(me, time.time() - 10 * 365 * 86400), "a PID reused since the run is not the run"
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    assert not process_alive(finished.pid, time.time())
