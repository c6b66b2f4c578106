"""Which windows a gate validates, and which block publishing (warehouse/gate_state.py)."""

from __future__ import annotations

import datetime as dt

from orchestration.publish_guard import publish_blockers
from warehouse.gate_state import (
    Load,
    Verdict,
    gate_windows,
    open_windows,
    standing,
)

GATE = "great_expectations_gate"
RATES = "rate_futures_gate"
JUNE = (dt.date(2024, 6, 1), dt.date(2024, 7, 1))
JULY = (dt.date(2024, 7, 1), dt.date(2024, 8, 1))
DECEMBER = (dt.date(2024, 12, 1), dt.date(2025, 1, 1))
HISTORY = (dt.date(2020, 1, 1), dt.date(2025, 1, 1))


def at(minute: int) -> dt.datetime:
    return dt.datetime(2026, 12, 5, 12, minute, tzinfo=dt.UTC)


def load(load_id: str, minute: int, window: tuple, source: str = "sample") -> Load:
    return Load(load_id, "raw.prices", source, at(minute), *window)


def verdict(load_id: str, status: str, minute: int, check: str = GATE) -> Verdict:
    return Verdict(load_id, check, status, at(minute), f"run-{load_id}")


def windows(plan) -> list[tuple]:
    return [((w.start, w.end), [x.load_id for x in w.loads]) for w in plan]


def test_a_later_run_of_another_month_revalidates_the_failed_month():
    loads = [load("june", 1, JUNE), load("dec", 3, DECEMBER)]
    plan = gate_windows(loads, [verdict("june", "failed", 2)], GATE)
    assert windows(plan) == [(DECEMBER, ["dec"]), (JUNE, ["june"])]
    assert plan[0].reason == "the latest load"
    assert plan[1].reason.startswith("re-validated: its gate failed at 2026-12-05 12:02:00 in run run-june")


def test_a_load_whose_gate_never_ran_is_revalidated_as_pending():
    """A crash between load and check, or a load materialized alone: no verdict at all."""
    plan = gate_windows([load("june", 1, JUNE), load("dec", 3, DECEMBER)], [], GATE)
    assert windows(plan) == [(DECEMBER, ["dec"]), (JUNE, ["june"])]
    assert "pending" in plan[1].reason


def test_once_passed_only_the_latest_window_is_validated_again():
    loads = [load("june", 1, JUNE), load("dec", 3, DECEMBER), load("dec2", 5, DECEMBER)]
    verdicts = [verdict("june", "failed", 2), verdict("june", "passed", 4), verdict("dec", "passed", 4)]
    assert windows(gate_windows(loads, verdicts, GATE)) == [(DECEMBER, ["dec2"])]


def test_each_gate_has_its_own_verdicts():
    loads = [load("june", 1, JUNE), load("dec", 3, DECEMBER)]
    verdicts = [verdict("june", "passed", 2), verdict("june", "failed", 2, RATES)]
    assert windows(gate_windows(loads, verdicts, GATE)) == [(DECEMBER, ["dec"])]
    assert windows(gate_windows(loads, verdicts, RATES)) == [(DECEMBER, ["dec"]), (JUNE, ["june"])]


def test_reloading_the_failed_window_replaces_it():
    loads = [load("june", 1, JUNE), load("june2", 3, JUNE)]
    assert [x.load_id for x in standing(loads)] == ["june2"]
    assert windows(gate_windows(loads, [verdict("june", "failed", 2)], GATE)) == [(JUNE, ["june2"])]


def test_a_window_stands_until_later_loads_cover_it_whole():
    history = load("full", 1, HISTORY)
    assert [x.load_id for x in standing([history, load("june", 2, JUNE)])] == ["full", "june"]
    covering = [
        load("early", 2, (dt.date(2020, 1, 1), dt.date(2024, 6, 1))),
        load("late", 3, (JUNE[0], None)),
    ]
    assert [x.load_id for x in standing([history, *covering])] == ["early", "late"]
    gap = [load("early", 2, (dt.date(2020, 1, 1), dt.date(2024, 5, 1))), load("late", 3, (JUNE[0], None))]
    assert [x.load_id for x in standing([history, *gap])] == ["full", "early", "late"]


def test_a_load_of_another_source_replaces_every_earlier_window():
    loads = [load("sample", 1, JUNE, "sample"), load("snap", 3, DECEMBER, "snapshot")]
    assert [x.load_id for x in standing(loads)] == ["snap"]


def test_every_open_window_is_validated_once_oldest_first():
    loads = [
        load("full", 1, HISTORY),
        load("june", 2, JUNE),
        load("june-again", 3, (JUNE[0], None)),  # replaces June
        load("dec", 4, DECEMBER),
    ]
    verdicts = [
        verdict("full", "failed", 1),
        verdict("june", "failed", 2),
        verdict("june-again", "failed", 3),
    ]
    plan = gate_windows(loads, verdicts, GATE)
    assert windows(plan) == [(DECEMBER, ["dec"]), (HISTORY, ["full"]), ((JUNE[0], None), ["june-again"])]


def test_no_load_no_window():
    assert gate_windows([], [], GATE) == []


def test_the_guard_refuses_while_a_window_has_not_passed_and_names_it():
    loads = [load("june", 1, JUNE), load("dec", 3, DECEMBER)]
    verdicts = [verdict("june", "failed", 2), verdict("dec", "passed", 3), verdict("dec", "passed", 3, RATES)]
    blocked = open_windows(loads, verdicts, [GATE, RATES])
    reasons = publish_blockers([], [], blocked)
    assert reasons == [
        "raw.prices window 2024-06-01..2024-07-01 (load june of 2026-12-05 12:01): "
        "great_expectations_gate failed at 2026-12-05 12:02:00 in run run-june",
        "raw.prices window 2024-06-01..2024-07-01 (load june of 2026-12-05 12:01): "
        "rate_futures_gate never ran on it (pending)",
    ]


def test_the_guard_publishes_once_every_standing_window_passed_every_gate():
    loads = [load("june", 1, JUNE), load("dec", 3, DECEMBER)]
    verdicts = [
        verdict("june", "failed", 2),
        verdict("june", "passed", 4),
        verdict("june", "passed", 2, RATES),
        verdict("dec", "passed", 4),
        verdict("dec", "passed", 4, RATES),
    ]
    assert publish_blockers([], [], open_windows(loads, verdicts, [GATE, RATES])) == []


def test_a_later_failure_reopens_a_passed_window():
    loads = [load("june", 1, JUNE)]
    verdicts = [verdict("june", "passed", 2), verdict("june", "failed", 4)]
    [window] = open_windows(loads, verdicts, [GATE])
    assert (window.status, window.load.load_id) == ("failed", "june")


def test_rows_removed_before_a_later_start_date_leave_no_window_standing():
    """ROTATION_START_DATE moved past a failed window: the next load removed its rows, so nothing
    of it can be published or reloaded, and it must not block forever."""
    early = load("early", 1, (dt.date(2020, 1, 1), dt.date(2020, 2, 1)))
    later = Load("dec", "raw.prices", "sample", at(3), *DECEMBER, kept_from=dt.date(2021, 1, 1))
    assert [x.load_id for x in standing([early, later])] == ["dec"]
    assert (
        open_windows([early, later], [verdict("early", "failed", 2), verdict("dec", "passed", 4)], [GATE])
        == []
    )


def test_standing_agrees_with_day_by_day_coverage():
    """The interval bookkeeping against a brute force over days, on random windows."""
    import random

    rng = random.Random(16)
    base = dt.date(2024, 1, 1)
    for _ in range(300):
        loads = []
        for n in range(rng.randint(1, 7)):
            start = rng.randint(0, 40)
            end = None if rng.random() < 0.15 else start + rng.randint(1, 20)
            loads.append(
                Load(
                    f"l{n}",
                    "raw.prices",
                    "snapshot" if rng.random() < 0.1 else "sample",
                    at(n),
                    base + dt.timedelta(days=start),
                    None if end is None else base + dt.timedelta(days=end),
                    base + dt.timedelta(days=rng.randint(0, 10)) if rng.random() < 0.2 else None,
                )
            )

        def days(x: Load) -> set[int]:
            first = (x.covered_from - base).days
            last = 80 if x.covered_until is None else (x.covered_until - base).days
            return set(range(first, last))

        expected = []
        for i, x in enumerate(loads):
            later = loads[i + 1 :]
            if any(o.source != x.source for o in later):
                continue
            covered = set().union(*(days(o) for o in later)) if later else set()
            covered |= {d for o in later if o.kept_from for d in range((o.kept_from - base).days)}
            if not later or not days(x) <= covered:
                expected.append(x.load_id)
        assert [x.load_id for x in standing(loads)] == expected, loads


def test_delivery_is_checked_in_a_loads_first_evaluation_only():
    """What a load delivered is checked when the load is latest, or when its gate never ran; a
    failed window is re-validated on its rows as they are now (a past capture cannot be redone)."""
    loads = [load("may", 1, (dt.date(2024, 5, 1), JUNE[0])), load("june", 2, JUNE), load("dec", 4, DECEMBER)]
    plan = gate_windows(loads, [verdict("june", "failed", 3)], GATE)
    assert [(w.loads[0].load_id, w.check_delivery) for w in plan] == [
        ("dec", True),
        ("may", True),
        ("june", False),
    ]
