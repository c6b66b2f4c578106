"""The dbt project as Dagster sees it: prepared (manifest built) ahead of time, never parsed at import.

``make`` prepares it with ``dagster-dbt project prepare-and-package --file orchestration/dbt_project.py``;
under ``dagster dev`` (``make ui``) the project is re-parsed at load, so model edits show up without a
rebuild. That re-parse uses the venv's dbt: dagster-dbt's own ``prepare_if_dev`` looks for ``dbt`` on
PATH, which only ``make`` sets, so ``.venv/bin/dagster dev`` failed to load (found by the UI test).
"""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from ingestion.universe import DBT_PROJECT_DIR  # the repository's, or ROTATION_DBT_PROJECT_DIR

# The dbt executable of the interpreter running Dagster (the project's venv), not whatever is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
if using_dagster_dev():
    DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE).cli(
        ["parse", "--quiet"], target_path=dbt_project.target_path
    ).wait()
