"""One writer per warehouse: an OS file lock on ``$ROTATION_HOME/.writer.lock``.

Every run that writes a warehouse holds this lock from its start to its end, whoever started it:
``rotation run`` (the CLI process holds it across its two runs), a run launched from the Dagster UI or
by a schedule (its run worker takes it when the run's resources start, see
orchestration/resources.py). The lock is ``flock(2)`` on an open file, so the kernel releases it the
moment the holding process ends, however it ends (SIGKILL included): a dead run never keeps the
warehouse locked. The file's content names the holder (PID, command, since when, Dagster run), so
the one waiting or refused can say who holds it. The lock is per warehouse (ROTATION_HOME), not per
Dagster instance: two homes build side by side, one home never has two writers.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = ".writer.lock"


@dataclass(frozen=True)
class Holder:
    """Who holds a warehouse's writer lock, as written in the lock file by the holder."""

    pid: int | None
    command: str = ""
    since: str = ""
    run_id: str = ""
    job: str = ""

    def describe(self) -> str:
        """``PID 123 (rotation run, since 12:01:02 UTC, Dagster run 1a2b3c4d of prices_and_rates)``."""
        parts = [p for p in (self.command, f"since {self.since}" if self.since else "") if p]
        if self.run_id:
            parts.append(f"Dagster run {self.run_id[:8]}{f' of {self.job}' if self.job else ''}")
        who = f"PID {self.pid}" if self.pid else "another process"
        return f"{who} ({', '.join(parts)})" if parts else who


class WriterBusyError(RuntimeError):
    """Another process holds the warehouse's writer lock."""

    def __init__(self, home: Path, holder: Holder):
        self.home = home
        self.holder = holder
        super().__init__(f"another run is writing the warehouse {home}: {holder.describe()}")


# Locks this process holds: path -> [open file, nesting depth]. A process that already holds a
# warehouse's lock (the CLI around its runs) takes it again for free (a run's resource inside it).
_HELD: dict[Path, list] = {}


def lock_path(home: Path) -> Path:
    return Path(home).resolve() / LOCK_NAME


def read_holder(home: Path) -> Holder:
    """The holder named in the lock file (best effort: the file may be empty while being written)."""
    try:
        data = json.loads(lock_path(home).read_text() or "{}")
    except (OSError, ValueError):
        data = {}
    pid = data.get("pid")
    return Holder(
        pid=int(pid) if isinstance(pid, int) else None,
        command=str(data.get("command", "")),
        since=str(data.get("since", "")),
        run_id=str(data.get("run_id", "")),
        job=str(data.get("job", "")),
    )


def _command() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([name, *sys.argv[1:3]])[:80]


def _write_holder(handle, **info: str) -> None:
    data = {
        "pid": os.getpid(),
        "command": _command(),
        "since": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        **info,
    }
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(data))
    handle.flush()


def describe_run(home: Path, run_id: str, job: str) -> None:
    """Name the Dagster run now writing (the holder's lock file says which run it is on)."""
    entry = _HELD.get(lock_path(home))
    if entry is None:
        return
    try:
        data = json.loads(Path(entry[0].name).read_text() or "{}")
    except (OSError, ValueError):
        data = {}
    data.update(pid=os.getpid(), run_id=run_id, job=job)
    entry[0].seek(0)
    entry[0].truncate()
    entry[0].write(json.dumps(data))
    entry[0].flush()


@contextmanager
def hold(
    home: Path,
    *,
    wait: bool,
    on_wait: Callable[[Holder], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    poll_seconds: float = 0.5,
    report_every: float = 30.0,
) -> Iterator[None]:
    """Hold the writer lock of the warehouse at ``home`` for the block.

    ``wait=False``: raise WriterBusyError at once when another process holds it. ``wait=True``: wait
    until it is free, calling ``on_wait(holder)`` at once and then every ``report_every`` seconds,
    and stop waiting (InterruptedError) when ``should_stop()`` says so (e.g. the run was canceled).
    """
    path = lock_path(home)
    held = _HELD.get(path)
    if held is not None:
        held[1] += 1
        try:
            yield
        finally:
            held[1] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - kept open for as long as the lock is held
    try:
        reported_at = None
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = read_holder(home)
                if not wait:
                    raise WriterBusyError(Path(home), holder) from None
                if on_wait and (reported_at is None or time.monotonic() - reported_at >= report_every):
                    on_wait(holder)
                    reported_at = time.monotonic()
                if should_stop and should_stop():
                    raise InterruptedError(f"stopped waiting for the writer lock of {home}") from None
                time.sleep(poll_seconds)
        _write_holder(handle)
        _HELD[path] = [handle, 1]
        try:
            yield
        finally:
            del _HELD[path]
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
