"""Progress lines for long ingestion, e.g. ``prices: 12/29 symbols landed (AAPL, 6,289 rows)``.

Landing, fetching and parsing functions take an optional ``progress`` callable that receives each
line (the Dagster asset passes ``context.log.info``); without one the lines go to this module's
logger. Lines are throttled: at most ``max_lines`` per counter (one every ``ceil(total / max_lines)``
items, and always the last), so a 3,000-symbol download prints 20 lines, not 3,000, while a
29-file landing prints 15.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
MAX_LINES = 20

# Labels of the upstream systems in progress lines: what a person calls the data.
LABELS = {
    "yahoo": "prices",
    "fred": "fred",
    "cftc": "cftc",
    "french": "french",
    "yahoo_estimates": "estimates",
    "yahoo_shares": "shares",
}


def report_every(total: int, max_lines: int = MAX_LINES) -> int:
    """Items between two progress lines, so that ``total`` items give at most ``max_lines`` lines."""
    return max(1, math.ceil(total / max(1, max_lines)))


def is_due(before: int, done: int, total: int, max_lines: int = MAX_LINES) -> bool:
    """Whether advancing from ``before`` to ``done`` of ``total`` items deserves a line: the step
    crosses a multiple of :func:`report_every`, or reaches the last item."""
    if done >= total:
        return before < total
    every = report_every(total, max_lines)
    return done // every > before // every


class Counter:
    """Counts the items of one stage of one source and emits throttled progress lines.

    ``Counter("prices", 29, "symbols", "landed", progress)`` then ``advance("AAPL", rows=6289)`` per
    item gives ``prices: 1/29 symbols landed (AAPL, 6,289 rows)``; with rows, lines after the first
    also carry the running total (``...; 75,468 rows so far``, ``...; 159,104 rows in all`` at the end).
    """

    def __init__(
        self,
        label: str,
        total: int,
        unit: str,
        verb: str,
        progress: Progress | None = None,
        *,
        max_lines: int = MAX_LINES,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.verb = verb
        self.progress = progress
        self.max_lines = max_lines
        self.done = 0
        self.steps = 0  # calls of advance
        self.rows = 0
        self.lines: list[str] = []  # what was emitted (for tests and callers that summarise)

    def advance(self, item: str = "", *, count: int = 1, rows: int | None = None, detail: str = "") -> None:
        """``count`` more items done (``item`` names the last of them); emit a line when due."""
        before = self.done
        self.done += count
        self.steps += 1
        if rows is not None:
            self.rows += rows
        if not is_due(before, self.done, self.total, self.max_lines):
            return
        self.emit(self.line(item, rows, detail))

    def line(self, item: str, rows: int | None, detail: str) -> str:
        parts = [p for p in (item, _rows(rows) if rows is not None else "", detail) if p]
        inside = ", ".join(parts)
        if rows is not None and self.steps > 1:
            inside += f"; {_rows(self.rows)} {'in all' if self.done >= self.total else 'so far'}"
        text = f"{self.label}: {self.done}/{self.total} {self.unit} {self.verb}"
        return f"{text} ({inside})" if inside else text

    def emit(self, text: str) -> None:
        self.lines.append(text)
        if self.progress is not None:
            self.progress(text)
        else:
            log.info("%s", text)


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"
