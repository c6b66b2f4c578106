"""Whether raw, as the build file holds it, may flow on: into serving (orchestration/assets/serving.py)
or, on Spark, into the lake dbt reads (orchestration/assets/dbt.py). Read from the verdicts recorded
with the data (raw.load_validations, raw.removed_rows), not from the Dagster instance."""

from __future__ import annotations

from ingestion.errors import cause_and_fix
from orchestration import checks
from warehouse import db, gate_state, raw


def unpassed_windows(settings) -> list[gate_state.OpenWindow]:
    """Every standing window of every raw table that has not passed all its gates, from the verdicts
    in the build file (not the Dagster instance: the verdicts live with the data)."""
    out = []
    with db.connect(settings.build_db, read_only=True) as con:
        for table, gates in checks.gates_by_table().items():
            loads, verdicts = raw.gate_state(con, table)
            out += gate_state.open_windows(loads, verdicts, gates)
    return out


def withheld_rows(settings) -> dict[str, int]:
    """Per raw table, the rows a load no longer delivered that wait for a decision (kept in raw,
    raw.removed_rows ``withheld``): its removals gate fails while there are any."""
    with db.connect(settings.build_db, read_only=True) as con:
        counts = {table.name: len(raw.pending_removals(con, table)) for table in raw.RAW_TABLES}
    return {name: n for name, n in counts.items() if n}


def ungated_reasons(settings) -> list[str]:
    """Why raw may not flow on (empty when every standing window passed its gates and no rows wait
    for a removal decision), one phrase each."""
    return [w.describe() for w in unpassed_windows(settings)] + [
        f"{n:,} row(s) of raw.{name} withheld without a removal decision (raw.removed_rows)"
        for name, n in withheld_rows(settings).items()
    ]


def ungated_message(reasons: list[str], what: str, keeps: str) -> str:
    """One line: ``not <what>: <reasons> — fix: ...; <keeps>``."""
    return cause_and_fix(
        f"not {what}: " + "; ".join(reasons),
        "fix those windows' rows (the gate's metadata and raw.load_validations name them), then reload "
        "them (materialize their partitions, or make run); or decide withheld rows' removal with "
        f"ROTATION_ALLOW_REMOVALS; {keeps}",
    )
