"""When may the serving file be replaced? A pure policy over the gates' verdicts on every loaded
window (recorded with the data, in raw.load_validations) and the latest check evaluations.

In a whole-graph run Dagster already skips ``serving`` when a blocking check or a dbt test failed.
This policy also covers publishes launched on their own (only ``serving``, or dbt + serving, selected
in the UI) and runs that crashed: it demands positive evidence that the current data passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warehouse.gate_state import OpenWindow


@dataclass(frozen=True)
class CheckState:
    key: str  # "raw/prices:great_expectations_gate"
    status: str | None  # "SUCCEEDED" | "FAILED" | "PLANNED" (planned but never evaluated) | None (never ran)
    evaluated_at: float | None  # unix time of the evaluation, None if not evaluated


@dataclass(frozen=True)
class GatedAsset:
    key: str  # "raw/prices"
    materialized_at: float | None  # unix time of its latest materialization
    gates: tuple[CheckState, ...]  # the blocking checks that must have passed on that data


def publish_blockers(
    gated: list[GatedAsset], tests: list[CheckState], open_windows: Sequence[OpenWindow] = ()
) -> list[str]:
    """Reasons not to publish; empty when publishing is safe.

    - every standing window of every raw table (``open_windows``: from the verdicts recorded with
      the data in raw.load_validations, warehouse/gate_state.py) must have passed every gate of its
      table: a window whose gate failed, or never ran, blocks even when this run's own window
      passed, and even in a run that loaded nothing;
    - every gate of a raw asset must have SUCCEEDED *after* the asset's latest materialization (a
      load without its check, or a check that crashed, leaves data no gate has passed);
    - every dbt test must have SUCCEEDED in its latest evaluation (FAILED, or PLANNED because dbt
      stopped before running it, blocks).
    """
    reasons: list[str] = [f"{window.describe()}" for window in open_windows]
    for asset in gated:
        for gate in asset.gates:
            if gate.status != "SUCCEEDED":
                reasons.append(f"{gate.key} has not passed (latest: {gate.status or 'never ran'})")
            elif (
                asset.materialized_at is not None
                and gate.evaluated_at is not None
                and gate.evaluated_at < asset.materialized_at
            ):
                reasons.append(f"{gate.key} has not run on the latest load of {asset.key}")
    for test in tests:
        if test.status != "SUCCEEDED":
            reasons.append(f"{test.key} has not passed (latest: {test.status or 'never ran'})")
    return reasons
