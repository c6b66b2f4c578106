"""The dbt step's table metadata: added to built tables' events, never at the cost of an event."""

from __future__ import annotations

import pytest
from dagster import AssetCheckResult, AssetKey, Output

from orchestration.dbt_metadata import with_table_metadata
from warehouse.tables import TableStats

MANIFEST = {
    "nodes": {
        "model.rotation.perf": {
            "resource_type": "model",
            "schema": "marts",
            "name": "perf",
            "alias": "perf",
            "config": {"materialized": "incremental"},
        },
        "model.rotation.stg": {
            "resource_type": "model",
            "schema": "staging",
            "name": "stg",
            "alias": "stg",
            "config": {"materialized": "view"},
        },
    }
}


def stream(fail: bool):
    yield Output(None, output_name="marts_perf", metadata={"unique_id": "model.rotation.perf"})
    yield Output(None, output_name="staging_stg", metadata={"unique_id": "model.rotation.stg"})
    yield AssetCheckResult(
        asset_key=AssetKey(["marts", "perf"]), check_name="not_null_perf_date", passed=not fail
    )
    if fail:
        raise RuntimeError("dbt build failed: 1 test failed")


def read(tables):
    assert tables == [("marts", "perf")]  # tables only: the view is not read
    return {("marts", "perf"): TableStats(12, "date", "2024-01-02", "2024-07-31")}


def test_a_built_table_gets_its_rows_and_window_and_a_view_nothing():
    perf, stg, check = with_table_metadata(stream(fail=False), MANIFEST, read)
    assert perf.metadata["dagster/row_count"].value == 12
    assert (perf.metadata["first_date"].value, perf.metadata["last_date"].value) == (
        "2024-01-02",
        "2024-07-31",
    )
    assert perf.metadata["unique_id"].value == "model.rotation.perf"  # dagster-dbt's own metadata kept
    assert "dagster/row_count" not in stg.metadata
    assert isinstance(check, AssetCheckResult)


def test_a_failed_dbt_build_still_yields_every_event_then_its_error():
    seen = []
    with pytest.raises(RuntimeError, match="1 test failed"):
        for event in with_table_metadata(stream(fail=True), MANIFEST, read):
            seen.append(event)
    assert len(seen) == 3 and seen[2].passed is False  # the failing check is recorded
    assert seen[0].metadata["dagster/row_count"].value == 12


def test_a_metadata_read_that_fails_leaves_the_events_as_they_were():
    def broken(tables):
        raise OSError("build file locked")

    events = list(with_table_metadata(stream(fail=False), MANIFEST, broken))
    assert len(events) == 3 and "dagster/row_count" not in events[0].metadata
