"""The dbt project as Dagster sees it: prepared (manifest built) ahead of time, never parsed at import.

``make`` prepares it with ``dagster-dbt project prepare-and-package --file orchestration/dbt_project.py``
(``make manifest``, which ``make run``, ``make ui`` and ``make test`` run first whenever a dbt file
changed). Nothing parses the project when Dagster imports the definitions, ``dagster dev`` included:
dagster-dbt's ``prepare_if_dev`` would parse it on every load of the code location (and look for
``dbt`` on PATH, which only ``make`` sets). After editing a model while the UI runs, run
``make manifest`` and reload the code location in the UI (Deployment, Reload).
"""

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from ingestion.settings import DBT_PROJECT_DIR  # the repository's, or ROTATION_DBT_PROJECT_DIR

# The dbt executable of the interpreter running Dagster (the project's venv), not whatever is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR)
