"""The dbt project as Dagster sees it: prepared (manifest built) ahead of time, never parsed at import.

``make`` prepares it with ``dagster-dbt project prepare-and-package --file orchestration/dbt_project.py``
(``make manifest``, which ``make run``, ``make ui`` and ``make test`` run first whenever a dbt file
changed). Nothing parses the project when Dagster imports the definitions, ``dagster dev`` included:
dagster-dbt's ``prepare_if_dev`` would parse it on every load of the code location (and look for
``dbt`` on PATH, which only ``make`` sets). After editing a model while the UI runs, run
``make manifest`` and reload the code location in the UI (Deployment, Reload).

A manifest per engine (ROTATION_ENGINE, read once at import): the same project parsed for the
profile's target of that engine, into its own target folder, so the two never overwrite each other's
manifest or partial-parse state (which records the target's connection values):

- duckdb: target ``build`` of dbt_project/profiles.yml, ``dbt_project/target/manifest.json``;
- spark: target ``spark``, ``dbt_project/target/spark/manifest.json``.

``dbt_project`` is the one of this process's engine; the dbt resource passes its target to every
dbt call (``--target spark``). prepare-and-package prepares only that one (it prepares every
DbtProject it finds among the module's names, and the mapping ``PROJECTS`` is not searched):
``ROTATION_ENGINE=spark make manifest`` prepares Spark's.
"""

import sys
from pathlib import Path

from dagster_dbt import DbtProject

# the repository's project, or ROTATION_DBT_PROJECT_DIR; the engine from ROTATION_ENGINE
from ingestion.settings import DBT_PROJECT_DIR, engine_from_env

# The dbt executable of the interpreter running Dagster (the project's venv), not whatever is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

# engine -> (profile target, target folder relative to the project)
TARGETS = {"duckdb": ("build", Path("target")), "spark": ("spark", Path("target") / "spark")}


def project_for(engine: str) -> DbtProject:
    target, target_path = TARGETS[engine]
    return DbtProject(project_dir=DBT_PROJECT_DIR, target=target, target_path=target_path)


ENGINE = engine_from_env()
PROJECTS = {engine: project_for(engine) for engine in TARGETS}
dbt_project = PROJECTS[ENGINE]
