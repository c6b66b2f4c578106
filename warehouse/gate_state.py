"""Which loaded windows have passed their gates: a pure policy over ``raw.loads`` and
``raw.load_validations`` (the verdicts the gates record, see orchestration/checks.py).

The rule: serving is built only from rows whose gates passed. A gate checks the window of the latest
load of its table *and* every earlier window still standing whose latest verdict is not "passed"
(failed, or pending: no gate has evaluated it, e.g. a crash between load and check). Each window
gets its own verdict. The publish guard refuses while any standing window of any raw table has
not passed every gate of its table.

A window stands until later loads of the same table replace its rows: later loads of the same source
whose windows together cover it (or which removed every row before their ``kept_from``, the start
date), or any later load of another source (a load removes every row of another source). A failed window is therefore cleared by a later run that passes on it: reloading
it (fixed files), or a run of another month re-validating it after its rows were fixed.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

PASSED, FAILED, PENDING = "passed", "failed", "pending"


@dataclass(frozen=True)
class Load:
    """One row of ``raw.loads``: the window ``covered_from`` .. ``covered_until`` (exclusive; None:
    open end) it loaded into ``table``."""

    load_id: str
    table: str  # raw.prices
    source: str
    loaded_at: dt.datetime
    covered_from: dt.date | None
    covered_until: dt.date | None
    kept_from: dt.date | None = None  # the load removed every row before it (ROTATION_START_DATE)

    @property
    def window(self) -> tuple[dt.date | None, dt.date | None]:
        return (self.covered_from, self.covered_until)

    @property
    def window_label(self) -> str:
        return window_label(self.covered_from, self.covered_until)


@dataclass(frozen=True)
class Verdict:
    """One row of ``raw.load_validations``: a gate's verdict on a load's window."""

    load_id: str
    check_name: str  # great_expectations_gate, rate_futures_gate
    status: str  # passed | failed
    evaluated_at: dt.datetime
    run_id: str | None = None


def window_label(start: dt.date | None, end: dt.date | None) -> str:
    return f"{start or 'the first date'}..{end or 'open end'}"


def _bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    return (dt.date.min if start is None else start, dt.date.max if end is None else end)


def _add(merged: list[tuple[dt.date, dt.date]], start: dt.date, end: dt.date) -> None:
    """Add [start, end) to ``merged`` (sorted, disjoint, not touching), merging what it meets."""
    if start >= end:
        return
    i = bisect.bisect_left(merged, (start, start))
    if i > 0 and merged[i - 1][1] >= start:
        i -= 1
    j = i
    while j < len(merged) and merged[j][0] <= end:
        start, end = min(start, merged[j][0]), max(end, merged[j][1])
        j += 1
    merged[i:j] = [(start, end)]


def _covered(merged: list[tuple[dt.date, dt.date]], start: dt.date, end: dt.date) -> bool:
    i = bisect.bisect_right(merged, (start, dt.date.max)) - 1
    return i >= 0 and merged[i][0] <= start and merged[i][1] >= end


def standing(loads: list[Load]) -> list[Load]:
    """The loads of one table whose rows no later load replaced (oldest first): a later load of
    another source replaced them all; later loads of the same source replaced the part of the
    window they covered, and every row before their ``kept_from``."""
    out = []
    sources: set[str] = set()
    merged: list[tuple[dt.date, dt.date]] = []  # what later loads covered, newest first
    for load in sorted(loads, key=lambda load: load.loaded_at, reverse=True):
        start, end = _bounds(load.covered_from, load.covered_until)
        if not (sources - {load.source}) and not (merged and _covered(merged, start, end)):
            out.append(load)
        sources.add(load.source)
        _add(merged, start, end)
        if load.kept_from is not None:
            _add(merged, dt.date.min, load.kept_from)
    return out[::-1]


def latest_verdicts(verdicts: list[Verdict]) -> dict[tuple[str, str], Verdict]:
    """(load_id, check_name) -> its most recent verdict."""
    out: dict[tuple[str, str], Verdict] = {}
    for verdict in sorted(verdicts, key=lambda v: v.evaluated_at):
        out[(verdict.load_id, verdict.check_name)] = verdict
    return out


@dataclass(frozen=True)
class OpenWindow:
    """A standing load's window that has not passed one of its table's gates."""

    load: Load
    check_name: str
    status: str  # failed | pending
    verdict: Verdict | None  # the latest verdict (None: pending)

    def describe(self) -> str:
        if self.verdict is None:
            why = f"{self.check_name} never ran on it (pending)"
        else:
            run = f" in run {self.verdict.run_id[:8]}" if self.verdict.run_id else ""
            why = f"{self.check_name} failed at {self.verdict.evaluated_at:%Y-%m-%d %H:%M:%S}{run}"
        return (
            f"{self.load.table} window {self.load.window_label} "
            f"(load {self.load.load_id[:8]} of {self.load.loaded_at:%Y-%m-%d %H:%M}): {why}"
        )


def open_windows(loads: list[Load], verdicts: list[Verdict], checks: list[str]) -> list[OpenWindow]:
    """Every standing load of one table whose latest verdict, for any of ``checks`` (the table's
    gates), is not "passed" (oldest first)."""
    latest = latest_verdicts(verdicts)
    out = []
    for load in standing(loads):
        for check in checks:
            verdict = latest.get((load.load_id, check))
            if verdict is None or verdict.status != PASSED:
                out.append(OpenWindow(load, check, FAILED if verdict else PENDING, verdict))
    return out


@dataclass(frozen=True)
class GateWindow:
    """A window a gate validates in this evaluation, the load whose verdict it gives, and why.

    ``check_delivery``: also check what the load delivered ("every requested item delivered rows",
    from its ``raw.load_items``) - in the load's first evaluation only (the latest load, or an earlier
    one no gate ever evaluated). A delivery failure fails that run and is kept in
    raw.load_validations; it brings no unchecked rows (an item that delivered nothing keeps its
    earlier, validated rows), so a re-validation checks the window's rows as they are now: a past
    capture that cannot be redone (analyst estimates) does not block forever."""

    start: dt.date | None
    end: dt.date | None
    loads: tuple[Load, ...]  # the load (none: no load recorded, the whole table)
    reason: str
    check_delivery: bool = True

    @property
    def label(self) -> str:
        return window_label(self.start, self.end)


def gate_windows(loads: list[Load], verdicts: list[Verdict], check: str) -> list[GateWindow]:
    """What gate ``check`` validates now, for one table: the latest load's window first, then the
    window of each earlier standing load not yet passed by ``check`` (oldest first, and why). Once
    every earlier window has passed, only the latest load's window remains: the daily run stays
    cheap. No load at all: nothing (the gate validates the whole table)."""
    if not loads:
        return []
    latest = max(loads, key=lambda load: load.loaded_at)
    out = [GateWindow(*latest.window, (latest,), "the latest load")]
    for window in open_windows([*loads], verdicts, [check]):
        load = window.load
        if load.load_id == latest.load_id:
            continue
        if window.verdict is None:
            out.append(GateWindow(*load.window, (load,), "validated late: its gate never ran (pending)"))
        else:
            run = f" in run {window.verdict.run_id[:8]}" if window.verdict.run_id else ""
            when = f"{window.verdict.evaluated_at:%Y-%m-%d %H:%M:%S}"
            out.append(
                GateWindow(*load.window, (load,), f"re-validated: its gate failed at {when}{run}", False)
            )
    return out
