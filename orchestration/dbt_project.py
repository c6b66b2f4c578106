"""The dbt project as Dagster sees it: prepared (manifest built) ahead of time, never parsed at import.

``make`` prepares it with ``dagster-dbt project prepare-and-package --file orchestration/dbt_project.py``;
under ``dagster dev`` ``prepare_if_dev`` re-parses so model edits show up without a rebuild.
"""

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
