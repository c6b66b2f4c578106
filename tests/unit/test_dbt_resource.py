"""The dbt resource's shortcuts hold: dbt's version without a subprocess, parse state kept between runs."""

import inspect
import re
import subprocess

from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.assets.dbt import PARTIAL_PARSE, keep_partial_parse
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


def test_a_runs_parse_state_replaces_the_projects(tmp_path):
    run_target, project_target = tmp_path / "run", tmp_path / "project" / "target"
    run_target.mkdir()
    keep_partial_parse(run_target, project_target)  # a call that left no state: nothing to keep
    assert not (project_target / PARTIAL_PARSE).exists()

    (run_target / PARTIAL_PARSE).write_bytes(b"state of this run")
    project_target.mkdir(parents=True)
    (project_target / PARTIAL_PARSE).write_bytes(b"state of make manifest")
    keep_partial_parse(run_target, project_target)
    assert (project_target / PARTIAL_PARSE).read_bytes() == b"state of this run"
    assert [p.name for p in project_target.iterdir()] == [PARTIAL_PARSE], "no staged copy left behind"
