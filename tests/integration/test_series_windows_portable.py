"""The portable form of the series windows (dbt_project/macros/engine/series_windows.sql: partitioned
windows, what an engine other than DuckDB runs) passes the same rate_sensitivity unit tests as
DuckDB's streaming form, which test_dbt_ci_tests.py runs: the var series_windows_portable makes
DuckDB run the portable SQL."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import run_dbt_by_hand

pytestmark = pytest.mark.slow


def test_rate_sensitivity_unit_tests_pass_on_the_portable_windows(built_sample_home, tmp_path):
    result, target = run_dbt_by_hand(
        built_sample_home,
        [
            "test",
            "--select",
            "rate_sensitivity,resource_type:unit_test",
            "--vars",
            "{series_windows_portable: true}",
            "--profiles-dir",
            ".",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # the on-run-start hook that creates meta.incremental_state is an "operation": not a test
    results = [
        r
        for r in json.loads((target / "run_results.json").read_text())["results"]
        if not r["unique_id"].startswith("operation.")
    ]
    assert len(results) >= 10 and {r["status"] for r in results} == {"pass"}, results
    compiled = next(target.rglob("an_incremental_build_continues_from_the_rows_already_built.sql"))
    assert "partition by series_id order by date" in " ".join(compiled.read_text().split())
