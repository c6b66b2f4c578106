"""Resident memory of this process and everything it started (dbt runs as a subprocess), sampled in
the background, so each stage of a run gets its own peak. Linux only: reads ``/proc``."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except OSError:  # the process ended meanwhile
        pass
    return out


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        todo.extend(_children(pid))
    return total


class RssSampler:
    """Samples ``tree_rss`` of this process every ``interval`` seconds into ``samples`` (epoch
    seconds, bytes) until stopped; ``peak(start, end)`` is the largest sample in that interval."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            self.samples.append((time.time(), tree_rss(pid)))
            self._stop.wait(self.interval)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float | None = None, end: float | None = None) -> int | None:
        values = [
            rss
            for t, rss in self.samples
            if (start is None or t >= start - self.interval) and (end is None or t <= end + self.interval)
        ]
        return max(values) if values else None
