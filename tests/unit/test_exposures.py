"""dbt's exposures (dbt_project/models/exposures.yml) name what each consumer really reads."""

from __future__ import annotations

import json

from orchestration.dbt_project import dbt_project
from warehouse import db
from warehouse.report.data import READS


def manifest():
    return json.loads(dbt_project.manifest_path.read_text())


def names(m, unique_ids):
    return {m["nodes"][uid]["name"] for uid in unique_ids}


def test_exposures_depend_on_what_their_consumers_read():
    m = manifest()
    published = {
        node["name"]
        for node in m["nodes"].values()
        if node["resource_type"] in ("model", "seed") and node["schema"] in db.PUBLISHED_SCHEMAS
    }
    marts = {
        node["name"]
        for node in m["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    exposures = {e["name"]: names(m, e["depends_on"]["nodes"]) for e in m["exposures"].values()}
    assert exposures["serving_file"] == published  # warehouse/db.py publishes these schemas whole
    assert db.PARQUET_SCHEMA == "marts" and exposures["parquet_export"] == marts
    assert exposures["bi_tools"] == marts
    assert exposures["rotation_report"] == set(READS)
