"""The dbt tests production builds leave out (orchestration/assets/dbt.py's PRODUCTION_EXCLUDES),
run here on every CI run:

- dbt's unit tests (the `unit_tests:` of the models' YAML: point-in-time joins, episode flags, RRG
  arithmetic, correlation and beta on hand-computed inputs): they check the SQL, not the data;
- the data tests tagged `structural`: uniqueness of views, which every mart built on them checks
  again, and whose queries recompute the view over the whole of raw.prices; and the agreement of
  the portable and DuckDB versions of a dispatched macro on hand-made rows
  (dbt_project/tests/rank_to_date_implementations_agree.sql), which checks SQL, not data.

They run on the sample warehouse's build file (dbt needs the models' parents to exist to type unit
test fixtures), from inside dbt_project/ with a private target path, as
`make dbt ARGS="test --select resource_type:unit_test tag:structural"`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from orchestration.assets.dbt import PRODUCTION_EXCLUDES
from tests.integration.conftest import run_dbt_by_hand

pytestmark = pytest.mark.slow

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT / "models").rglob("*.yml"):
        for test in yaml.safe_load(path.read_text(encoding="utf-8")).get("unit_tests") or []:
            names.add(test["name"])
    return names


def test_production_builds_leave_out_exactly_what_runs_here():
    assert PRODUCTION_EXCLUDES == ["--exclude-resource-type", "unit_test", "--exclude", "tag:structural"]


def test_unit_and_structural_tests_pass(built_sample_home, tmp_path):
    result, target = run_dbt_by_hand(
        built_sample_home,
        ["test", "--select", "resource_type:unit_test", "tag:structural", "--profiles-dir", "."],
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    # (the on-run-start hook that creates meta.incremental_state is an "operation": not a test)
    ran = {r["unique_id"]: r["status"] for r in results if not r["unique_id"].startswith("operation.")}
    unit = {uid.split(".")[-1] for uid in ran if uid.startswith("unit_test.")}
    declared = declared_unit_tests()
    assert declared, "no unit_tests found in dbt_project/models/**/*.yml"
    assert unit == declared, f"ran {sorted(unit)}, declared {sorted(declared)}"
    structural = [uid for uid in ran if uid.startswith("test.")]
    # the five uniqueness tests of views, the rank_to_date implementations test, the "largest since"
    # search against a self-join, and the three engine tests of dbt_project/tests/engine/ (the macros
    # behind the engines' silent differences)
    assert len(structural) == 10, structural
    assert set(ran.values()) == {"pass"}, ran
