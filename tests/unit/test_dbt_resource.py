"""The dbt resource's shortcuts hold: dbt's version without a subprocess, parse state kept between runs."""

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration.assets.dbt import PARTIAL_PARSE, keep_partial_parse, start_from_partial_parse
from orchestration.dbt_project import DBT_EXECUTABLE, project_for
from orchestration.resources import dbt_resource

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


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


def record_dbt_args(tmp_path, project) -> list[str]:
    """The arguments a dbt call through ``dbt_resource(project)`` gets: a stand-in dbt executable
    writes them down (dbt itself would connect to the target)."""
    from orchestration.resources import RotationDbtCliResource

    seen = tmp_path / "args.json"
    fake = tmp_path / "dbt"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\njson.dump(sys.argv[1:], open({str(seen)!r}, 'w'))\n"
    )
    fake.chmod(0o755)
    resource = dbt_resource(project)
    assert isinstance(resource, RotationDbtCliResource)
    resource = RotationDbtCliResource(project_dir=project, dbt_executable=str(fake))
    resource.cli(["parse"], target_path=tmp_path / "target").wait()
    return json.loads(seen.read_text())


@pytest.mark.parametrize("engine, target", [("duckdb", "build"), ("spark", "spark")])
def test_each_engine_calls_dbt_with_its_profile_target(tmp_path, engine, target):
    args = record_dbt_args(tmp_path, project_for(engine))
    assert args[:1] == ["parse"] and args[args.index("--target") + 1] == target, args
    assert dbt_resource(project_for(engine)).target == target
    # the engine's own manifest and parse state: DuckDB's where it always was, Spark's apart
    expected = Path("target") if engine == "duckdb" else Path("target") / "spark"
    assert project_for(engine).target_path == expected
    assert project_for(engine).manifest_path == project_for(engine).project_dir / expected / "manifest.json"


def test_the_dbt_step_takes_the_duckdb_writer_slot_only_on_duckdb():
    from orchestration.assets.dbt import dbt_pool
    from orchestration.resources import WRITER_POOL

    assert dbt_pool("duckdb") == WRITER_POOL
    assert dbt_pool("spark") is None


def definitions_in_a_process(engine: str, project_dir: Path) -> dict:
    """What the definitions look like when a process starts with ROTATION_ENGINE=engine."""
    code = (
        "import json\n"
        "from orchestration.definitions import defs\n"
        "from orchestration.assets.dbt import rotation_dbt_assets\n"
        "from orchestration.dbt_project import dbt_project\n"
        "graph = defs.resolve_asset_graph()\n"
        "dbt = defs.resolve_all_asset_specs()\n"
        "print(json.dumps({\n"
        "    'pool': rotation_dbt_assets.op.pool,\n"
        "    'manifest': str(dbt_project.manifest_path),\n"
        "    'target': defs.resources['dbt'].target,\n"
        "    'groups': sorted({f'{s.key.to_user_string()}={s.group_name}' for s in dbt}),\n"
        "    'jobs': sorted(j.name for j in defs.resolve_all_job_defs()),\n"
        "}))\n"
    )
    env = {**os.environ, "ROTATION_ENGINE": engine, "ROTATION_DBT_PROJECT_DIR": str(project_dir)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_spark_loads_its_own_manifest_without_the_writer_slot_and_keeps_the_graph(tmp_path):
    """A copy of the project whose Spark manifest is DuckDB's (the same models, for the wiring): the
    Spark process loads target/spark/manifest.json, calls dbt with --target spark, and its dbt step
    has no pool; asset keys, groups and jobs are the same as DuckDB's."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    (project / "target" / "spark").mkdir(parents=True)
    shutil.copy(DBT_PROJECT / "target" / "manifest.json", project / "target" / "manifest.json")
    shutil.copy(DBT_PROJECT / "target" / "manifest.json", project / "target" / "spark" / "manifest.json")
    duck = definitions_in_a_process("duckdb", project)
    spark = definitions_in_a_process("spark", project)
    assert duck["pool"] == "rotation_duckdb_writer" and spark["pool"] is None
    assert duck["manifest"] == str(project / "target" / "manifest.json")
    assert spark["manifest"] == str(project / "target" / "spark" / "manifest.json")
    assert (duck["target"], spark["target"]) == ("build", "spark")
    assert duck["groups"] == spark["groups"] and len(duck["groups"]) > 40
    assert duck["jobs"] == spark["jobs"]


def test_definitions_for_another_engine_than_the_process_loaded_refuse(tmp_path):
    from ingestion.settings import Settings, SettingsError
    from orchestration.dbt_project import ENGINE
    from orchestration.definitions import build_definitions

    other = "spark" if ENGINE == "duckdb" else "duckdb"
    with pytest.raises(SettingsError, match=f"ROTATION_ENGINE={other}"):
        build_definitions(Settings.from_env({"ROTATION_HOME": str(tmp_path), "ROTATION_ENGINE": other}))
