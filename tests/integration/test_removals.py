"""Good rows are never deleted as a side effect, and bars off their sessions never pass.

On a copy of the sample build (``built_sample_home``), June 2024 is run again with price files that
deliver less (IWM without its first five June sessions, and an all-empty row on the 10th) and one
more (SPY on Saturday 2024-06-15). The run fails on blocking checks naming the rows; serving is
unchanged; raw still holds IWM's rows, listed as withheld in raw.removed_rows. Then the documented
decision (ROTATION_ALLOW_REMOVALS) lets the next run proceed, and the removed rows stay visible.
"""

from __future__ import annotations

import dataclasses

import duckdb
import pytest
from dagster import DagsterInstance

from ingestion.sample import render
from orchestration.runner import PlannedRun
from tests.integration.conftest import file_digest, run_graph, table_checksums

pytestmark = pytest.mark.slow

# June of both jobs: publishing needs every gate's verdict in the run's Dagster instance.
JUNE = [PlannedRun("ingest_positioning", ["2024-06-01"]), PlannedRun("prices_and_rates", ["2024-06-01"])]
DROPPED = ["2024-06-03", "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07"]
EMPTIED = "2024-06-10"
SATURDAY = "2024-06-15"
RENDER = render.render_yahoo_csv  # the sample's own, before any test patches it


def delivering_less(saturday: bool):
    """render_yahoo_csv with IWM's June rows cut (and one emptied), and SPY's Friday 2024-06-14
    repeated on the Saturday after when ``saturday``."""

    def render_yahoo_csv(symbol, frame):
        lines = RENDER(symbol, frame).decode("ascii").split("\n")
        if symbol == "IWM":
            lines = [line for line in lines if line[:10] not in DROPPED]
            lines = [f"{EMPTIED},,,,,," if line[:10] == EMPTIED else line for line in lines]
        if symbol == "SPY" and saturday:
            friday = next(k for k, line in enumerate(lines) if line.startswith("2024-06-14,"))
            lines.insert(friday + 1, SATURDAY + lines[friday][10:])
        return "\n".join(lines).encode("ascii")

    return render_yahoo_csv


def raw_iwm(settings) -> list[str]:
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select date::varchar from raw.prices where symbol = 'IWM' and list_contains(?, date::varchar) "
                "order by 1",
                [[*DROPPED, EMPTIED]],
            ).fetchall()
        ]


def removed_rows(settings) -> list[tuple]:
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return con.execute(
            "select item, date::varchar, decision, resolved_by is not null from raw.removed_rows "
            "where table_name = 'prices' order by decision, item, date"
        ).fetchall()


def test_a_file_delivering_less_is_blocked_until_the_removal_is_decided(
    built_sample_home, monkeypatch, tmp_path
):
    settings = built_sample_home
    serving_before = file_digest(settings.serving_db)
    marts_before = table_checksums(settings.serving_db)
    instance = DagsterInstance.ephemeral()

    monkeypatch.setattr(render, "render_yahoo_csv", delivering_less(saturday=True))
    run = run_graph(settings, instance, plan=JUNE)

    assert not run.success
    removals = run.check_descriptions["raw/prices:removals_gate"]
    assert run.checks["raw/prices:removals_gate"] is False, removals
    assert "item=IWM, date=2024-06-03" in removals and "ROTATION_ALLOW_REMOVALS=prices" in removals
    assert "(6, e.g." in removals, removals  # five sessions cut, one row emptied
    sessions = run.check_descriptions["raw/prices:great_expectations_gate"]
    assert run.checks["raw/prices:great_expectations_gate"] is False
    assert "bars on sessions only" in sessions and f"symbol=SPY, date={SATURDAY}" in sessions
    assert run.checks["raw/fred_series:removals_gate"] is True, "only the table that lost rows fails"
    assert file_digest(settings.serving_db) == serving_before, "serving.duckdb changed"
    assert table_checksums(settings.serving_db) == marts_before
    assert raw_iwm(settings) == sorted([*DROPPED, EMPTIED]), "raw keeps the rows the file no longer has"
    assert removed_rows(settings) == [("IWM", d, "withheld", False) for d in sorted([*DROPPED, EMPTIED])]

    # The decision: the rows are really gone upstream. The Saturday row is gone from the file too.
    monkeypatch.setattr(render, "render_yahoo_csv", delivering_less(saturday=False))
    decided = dataclasses.replace(settings, allow_removals=("prices:IWM", "prices:SPY"))
    again = run_graph(decided, instance, plan=JUNE)

    assert again.success, again.failures
    assert again.checks["raw/prices:removals_gate"] is True
    assert raw_iwm(settings) == []
    kept = removed_rows(settings)
    assert [k for k in kept if k[2] == "removed"] == [
        *[("IWM", d, "removed", False) for d in sorted([*DROPPED, EMPTIED])],
        ("SPY", SATURDAY, "removed", False),
    ]
    assert all(k[3] for k in kept if k[2] == "withheld"), "the pending rows are resolved by the decision"
    assert file_digest(settings.serving_db) != serving_before, "the decided run publishes"
