"""The publish policy: serving is replaced only on positive evidence that the current data passed."""

from __future__ import annotations

from orchestration.publish_guard import CheckState, GatedAsset, publish_blockers

GATE = "raw/prices:great_expectations_gate"
TEST = "marts/m:unique"


def gated(status, evaluated_at, materialized_at=100.0):
    return [GatedAsset("raw/prices", materialized_at, (CheckState(GATE, status, evaluated_at),))]


def test_all_passed_after_the_latest_load_publishes():
    assert publish_blockers(gated("SUCCEEDED", 101.0), [CheckState(TEST, "SUCCEEDED", 102.0)]) == []


def test_a_failed_gate_blocks():
    assert publish_blockers(gated("FAILED", 101.0), []) == [f"{GATE} has not passed (latest: FAILED)"]


def test_a_gate_that_crashed_or_never_ran_blocks():
    assert publish_blockers(gated("PLANNED", None), []) == [f"{GATE} has not passed (latest: PLANNED)"]
    assert publish_blockers(gated(None, None), []) == [f"{GATE} has not passed (latest: never ran)"]


def test_a_load_after_the_last_passing_gate_blocks():
    assert publish_blockers(gated("SUCCEEDED", 99.0, materialized_at=100.0), []) == [
        f"{GATE} has not run on the latest load of raw/prices"
    ]


def test_a_failed_or_unrun_dbt_test_blocks():
    tests = [CheckState(TEST, "FAILED", 102.0), CheckState("marts/m:not_null", "PLANNED", None)]
    assert publish_blockers(gated("SUCCEEDED", 101.0), tests) == [
        f"{TEST} has not passed (latest: FAILED)",
        "marts/m:not_null has not passed (latest: PLANNED)",
    ]
