"""The dbt resource's shortcuts hold: dbt's version without a subprocess, parse state kept between runs."""

import inspect
import re
import subprocess

from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.assets.dbt import PARTIAL_PARSE, keep_partial_parse, start_from_partial_parse
from orchestration.dbt_project import DBT_EXECUTABLE
from orchestration.resources import dbt_resource


def test_the_version_told_is_the_one_dbt_reports():
    # what dagster-dbt would ask: `dbt --version`, parsed as it parses it
    output = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    reported = Version(re.search(r"(\d+\.\d+\.\d+)", output).group(1))
    assert dbt_resource()._cli_version == reported


def test_dagster_dbt_still_reads_the_version_from_the_overridden_attribute():
    # an upgrade that renames or stops using it would silently bring the subprocess back
    assert "_cli_version" in vars(DbtCliResource)
    assert "self._cli_version" in inspect.getsource(DbtCliResource.cli)


def test_a_warehouses_parse_state_is_kept_and_starts_its_next_call(tmp_path):
    run_target, state_dir = tmp_path / "run", tmp_path / "home" / "dbt_state"
    run_target.mkdir()
    keep_partial_parse(run_target, state_dir)  # a call that left no state: nothing to keep
    assert not (state_dir / PARTIAL_PARSE).exists()

    (run_target / PARTIAL_PARSE).write_bytes(b"state of this run")
    state_dir.mkdir(parents=True)
    (state_dir / PARTIAL_PARSE).write_bytes(b"state of the previous run")
    keep_partial_parse(run_target, state_dir)
    assert (state_dir / PARTIAL_PARSE).read_bytes() == b"state of this run"
    assert [p.name for p in state_dir.iterdir()] == [PARTIAL_PARSE], "no staged copy left behind"

    next_target = tmp_path / "next"
    start_from_partial_parse(state_dir, next_target)
    assert (next_target / PARTIAL_PARSE).read_bytes() == b"state of this run"
    # a warehouse without a state leaves the call's folder to dagster-dbt (the project's state)
    start_from_partial_parse(tmp_path / "new_home" / "dbt_state", tmp_path / "other")
    assert not (tmp_path / "other" / PARTIAL_PARSE).exists()


def test_dagster_dbt_keeps_a_state_already_in_the_calls_folder():
    # start_from_partial_parse relies on dagster-dbt copying the project's state only into a folder
    # without one; an upgrade that always overwrote it would bring back parses from scratch
    from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

    assert "not partial_parse_destination_target_path.exists()" in inspect.getsource(DbtCliInvocation.run)


def test_loading_the_definitions_under_dagster_dev_runs_no_dbt(monkeypatch):
    # the UI loads the manifest make prepares; a dbt parse at import ran on every code-location load
    import importlib

    import orchestration.dbt_project

    def no_dbt(self, *args, **kwargs):
        raise AssertionError(f"dbt ran at import: {args}")

    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    monkeypatch.setattr(DbtCliResource, "cli", no_dbt)
    importlib.reload(orchestration.dbt_project)
