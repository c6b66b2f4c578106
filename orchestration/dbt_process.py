"""A dbt subprocess, and whatever it started, stopped with the step that runs it.

When a run is canceled (``rotation run`` receiving SIGTERM or Ctrl-C, Terminate in the UI), Dagster
interrupts the dbt step and dagster-dbt forwards the interrupt to dbt as SIGINT, then waits
``termination_timeout_seconds`` for it to exit. dbt-duckdb exits at once. dbt on Spark does not:
dbt-spark's session connection cannot cancel a query (``cancel`` is not implemented), so dbt waits
for the running Spark job, and the Spark JVM it started (pyspark's gateway, which ignores SIGINT by
design) runs on; dagster-dbt's wait then times out and the run ended with both left running, holding
the Derby metastore of ROTATION_SPARK_DIR.

``stream_stopping_dbt`` streams dbt's events as ``invocation.stream()`` does and, whenever the stream
ends other than by dbt exiting on its own (an interrupt, an error in Dagster's process, the step's
generator closed), stops dbt's process tree: SIGTERM to every descendant of dbt (the JVM runs its
shutdown hooks) and to dbt, SIGKILL to whatever is left after a grace period. Linux: the tree is read
from ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster._core.errors import DagsterExecutionInterruptedError

# How long dagster-dbt waits for dbt to exit after forwarding an interrupt as SIGINT, per engine:
# dbt-duckdb exits within a second or two (dagster-dbt's default, 25 s, is kept); dbt on Spark waits
# for the running Spark job, which no SIGINT cancels, so the tree is stopped after a short wait.
SIGINT_WAIT_SECONDS = {"duckdb": None, "spark": 3.0}
# After SIGTERM, how long the tree has to exit before SIGKILL (a JVM's shutdown hooks take seconds).
TERM_GRACE_SECONDS = 10.0


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (empty when it has ended)."""
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, parents before their children."""
    out: list[int] = []
    todo = children(pid)
    while todo:
        child = todo.pop(0)
        if child not in out:
            out.append(child)
            todo.extend(children(child))
    return out


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, ended but not yet reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def stop_tree(process: subprocess.Popen, grace: float = TERM_GRACE_SECONDS) -> list[int]:
    """Stop ``process`` (our child) and all its descendants: SIGTERM, then SIGKILL after ``grace``
    seconds to what still runs. Returns the PIDs that were running (empty: nothing to stop)."""
    tree = descendants(process.pid)
    if process.poll() is None:
        tree.append(process.pid)
    tree = [pid for pid in tree if running(pid)]
    if not tree:
        return []
    for pid in reversed(tree):  # children first: the JVM before the dbt that waits on it
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()  # reaps dbt, our own child
        if not any(running(pid) for pid in tree):
            return tree
        time.sleep(0.1)
    for pid in tree:
        if running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    return tree


def stream_stopping_dbt(invocation: Any, engine: str) -> Iterator[Any]:
    """``invocation.stream()`` (a dagster-dbt DbtCliInvocation), with dbt's process tree stopped when
    the stream ends before dbt does (see the module's docstring). An interrupt stays an interrupt:
    when dagster-dbt's wait for dbt times out it raises ``TimeoutExpired`` from the interrupt, which
    is raised again here, so the step ends interrupted (the run CANCELED), not failed."""
    wait = SIGINT_WAIT_SECONDS.get(engine)
    if wait is not None:
        invocation.termination_timeout_seconds = wait
    try:
        yield from invocation.stream()
    except subprocess.TimeoutExpired as error:
        if isinstance(error.__context__, DagsterExecutionInterruptedError):
            stop_tree(invocation.process)
            raise error.__context__ from None
        raise
    finally:
        stop_tree(invocation.process)
