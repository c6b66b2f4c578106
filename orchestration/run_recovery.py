"""The Dagster side of runs that died or were interrupted.

A run killed without warning (SIGKILL, out of memory, a closed laptop) cannot tell the Dagster
instance it ended: it stays STARTED, which holds the instance's run queue (``max_concurrent_runs``)
and any slot it held in the ``rotation_duckdb_writer`` pool, so the next run waits for it forever.
Dagster's own run monitoring cannot see such runs (``rotation run`` executes in its own process,
and the default run launcher of the UI cannot check its run workers), so every run clears them at
its start (:func:`clear_dead_runs`): a run that is STARTING, STARTED or CANCELING whose process (the
PID of its ``RUN_START`` event, or its ``rotation/pid`` tag) no longer exists, or is now another
process started after the run, is marked FAILURE and its pool slots are freed. Slots still held by
runs that already finished are freed too. A run whose process is alive is never touched: a run of
another warehouse sharing the instance goes on.

A run stopped by SIGINT or SIGTERM (Ctrl-C) ends as Dagster records an interruption (FAILURE,
"interrupted unexpectedly"); :func:`cancel_interrupted_runs` marks it CANCELED, as the person asked,
and frees its slots.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.storage.dagster_run import FINISHED_STATUSES
from dagster._core.storage.tags import RUN_FAILURE_REASON_TAG

# The PID of the process running a run, set by `rotation run` on the runs it executes.
PID_TAG = "rotation/pid"
ACTIVE = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def process_start(pid: int) -> float | None:
    """Unix time the process ``pid`` started (Linux /proc), None where unknown. Raises
    ProcessLookupError when there is no such process or it is a zombie (ended, not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        raise ProcessLookupError(pid) from None
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    if fields[0] in ("Z", "X"):
        raise ProcessLookupError(pid)
    try:
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime")
        )
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError, IndexError):
        return None


def process_alive(pid: int, since: float | None) -> bool:
    """Whether ``pid`` is still the process that started a run at unix time ``since``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it exists
    try:
        started = process_start(pid)
    except ProcessLookupError:
        return False
    # a process started after the run is another one that got the same PID
    return started is None or since is None or started <= since + 1


def run_pid(instance: DagsterInstance, run) -> int | None:
    """The PID of the process executing ``run``: its rotation/pid tag, else its RUN_START event's."""
    tag = run.tags.get(PID_TAG)
    if tag and tag.isdigit():
        return int(tag)
    records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    event = records[0].event_log_entry.dagster_event if records else None
    return event.pid if event is not None else None


def _slots(instance: DagsterInstance, run_id: str) -> int:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return 0
    return sum(
        1
        for key in storage.get_concurrency_keys()
        for slot in storage.get_concurrency_info(key).claimed_slots
        if slot.run_id == run_id
    )


def _free(instance: DagsterInstance, run_id: str) -> int:
    held = _slots(instance, run_id)
    if instance.event_log_storage.supports_global_concurrency_limits:
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    return held


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "at an unknown time"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def clear_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed the runs whose process is gone and free their pool slots (and the slots of
    finished runs); one line per run cleared, for the log of the run that found them."""
    lines = []
    me = os.getpid()
    for record in instance.get_run_records(RunsFilter(statuses=ACTIVE)):
        run = record.dagster_run
        pid = run_pid(instance, run)
        if (
            pid is None
            or pid == me
            or process_alive(pid, record.start_time or record.create_timestamp.timestamp())
        ):
            continue  # not started by a process yet (the launcher's business), or still running
        instance.report_run_failed(
            run,
            message=f"The process that ran this run (PID {pid}) is gone (killed?); marked failed by "
            f"the run of PID {me}, which found it {run.status.value}.",
        )
        freed = _free(instance, run.run_id)
        lines.append(
            f"cleared a dead run: {run.job_name} run {run.run_id[:8]} (PID {pid}, started "
            f"{_when(record.start_time)}) was {run.status.value} but its process is gone; marked it "
            f"failed{f' and freed its {freed} writer-pool slot(s)' if freed else ''}"
        )
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        holders = storage.get_concurrency_run_ids()
        if holders:
            for record in instance.get_run_records(
                RunsFilter(run_ids=list(holders), statuses=FINISHED_STATUSES)
            ):
                run = record.dagster_run
                freed = _free(instance, run.run_id)
                if freed:
                    lines.append(
                        f"freed {freed} writer-pool slot(s) still held by {run.job_name} run "
                        f"{run.run_id[:8]}, which ended {run.status.value}"
                    )
    return lines


def cancel_interrupted_runs(instance: DagsterInstance, pid: int, since: float, reason: str) -> list:
    """Mark CANCELED the runs process ``pid`` started since ``since`` that an interrupt ended (or
    left unfinished), free their slots; returns those runs."""
    canceled = []
    for record in instance.get_run_records(
        RunsFilter(tags={PID_TAG: str(pid)}, created_after=dt.datetime.fromtimestamp(since, dt.UTC))
    ):
        run = record.dagster_run
        if run.status == DagsterRunStatus.FAILURE:
            if run.tags.get(RUN_FAILURE_REASON_TAG) != "UNEXPECTED_TERMINATION":
                continue  # it failed on its own before the interrupt: its failure stands
        elif run.status in FINISHED_STATUSES:
            continue
        instance.report_run_canceled(run, message=f"Canceled: {reason}.")
        _free(instance, run.run_id)
        canceled.append(run)
    return canceled
