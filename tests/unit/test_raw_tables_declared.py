"""Every raw table is complete: an ingestion asset (how it lands and parses), its blocking gates, and a
dbt source read by a staging model. A table added without one of them fails here, naming what is missing."""

import json
import re

from expectations import TABLE_SUITES
from ingestion.settings import Settings
from ingestion.sources import MODES, SOURCES
from ingestion.sources.base import PROVENANCE
from orchestration.assets.ingestion import ingestion_assets
from orchestration.checks import GATE, REMOVAL_GATES, gates_by_table
from orchestration.dbt_project import dbt_project
from warehouse.raw import RAW_TABLES


def test_every_raw_table_has_its_asset_gates_source_and_staging_model(tmp_path):
    manifest = json.loads(dbt_project.manifest_path.read_text())
    settings = Settings.from_env({"ROTATION_SOURCE": "sample", "ROTATION_HOME": str(tmp_path)})
    assets = {key.path[-1] for asset in ingestion_assets(settings) for key in asset.keys}
    gates = {table.name: names for table, names in gates_by_table().items()}
    removals = {key.asset_key.path[-1] for check in REMOVAL_GATES for key in check.check_keys}
    sources = {s["name"]: uid for uid, s in manifest["sources"].items() if s["source_name"] == "raw"}
    read_by_staging = {
        dependency
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"].startswith("stg_")
        for dependency in node["depends_on"]["nodes"]
    }
    problems = []
    for table in RAW_TABLES:
        where = f"raw.{table.name}"
        if table.name not in assets:
            problems.append(f"{where}: no ingestion asset (declare its source in ingestion/sources/)")
        if GATE not in gates.get(table.name, []):
            problems.append(
                f"{where}: no Great Expectations gate (declare a TableSuite beside its suite and list "
                "it in expectations.TABLE_SUITES, or write its gate in orchestration/checks.py)"
            )
        if table.name not in removals:
            problems.append(f"{where}: no removals gate")
        if table.name not in sources:
            problems.append(f"{where}: no dbt source (dbt_project/models/staging/_sources.yml)")
        elif sources[table.name] not in read_by_staging:
            problems.append(f"{where}: no staging model reads its dbt source")
    assert not problems, "\n".join(problems)


def test_declared_suites_name_raw_tables_once():
    names = [declared.table for declared in TABLE_SUITES]
    assert len(names) == len(set(names)), f"a raw table declared twice in expectations.TABLE_SUITES: {names}"
    assert set(names) <= {t.name for t in RAW_TABLES}, (
        f"not raw tables: {set(names) - {t.name for t in RAW_TABLES}}"
    )


def test_every_source_lands_in_every_mode():
    for source in SOURCES:
        assert set(source.landers) == set(MODES), f"raw.{source.table.name} lands in {sorted(source.landers)}"


def test_the_dbt_sources_name_the_declared_columns():
    # a column documented in _sources.yml that the raw table does not have (renamed, dropped, a typo)
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tables = {t.name: t for t in RAW_TABLES}
    problems = []
    for source in manifest["sources"].values():
        if source["source_name"] != "raw":
            continue
        declared = [c.name for c in (*tables[source["name"]].columns, *PROVENANCE)]
        for column in source["columns"]:
            if column not in declared:
                problems.append(f"raw.{source['name']}.{column} in _sources.yml; the table has {declared}")
    assert not problems, "\n".join(problems)


def test_each_parser_produces_its_tables_columns_in_order(tmp_path):
    # what the parsers return for the sample's files, against the table each loads into
    from ingestion import estimates
    from ingestion.sample import SAMPLE_START

    for source in SOURCES:
        if source.table.name == "shares_outstanding":
            continue  # live only: the sample lands no file (its parser is checked on a live answer below)
        batch = source.land(
            "sample", landing_dir=tmp_path / "landing", snapshot_dir=tmp_path, start_date=SAMPLE_START
        )
        if source.table.name == "prices":  # the chunked parse loads itself; the plain one returns a frame
            from ingestion.yahoo_batch import parse_batch

            rows, _ = parse_batch(batch, SAMPLE_START, tmp_path, bulk=False)
        else:
            rows, _ = source.parse(batch, SAMPLE_START, tmp_path)
        assert len(rows), source.table.name
        assert [c for c in rows.columns if c != "landing_file"] == [c.name for c in source.table.columns], (
            source.table.name
        )
    answer = tmp_path / "AAPL.csv"  # a share-count file as the live capture lands it
    answer.write_text("timestamp,shares\n2024-01-02 09:30:00-05:00,15500000000\n")
    [shares] = [s.table for s in SOURCES if s.table.name == "shares_outstanding"]
    assert list(estimates.parse_shares_file(answer, "AAPL").columns) == [c.name for c in shares.columns]
    # the estimate columns filled from yfinance's fields are the schema's value columns, in order
    assert estimates.ESTIMATE_COLUMNS[5:] == estimates.VALUE_COLUMNS


# Raw columns a staging model leaves behind on purpose, with the reason; every other declared column
# must be read by its staging model, so a column added to a parser's schema is staged or listed here.
NOT_STAGED = {
    ("french_factors", "landing_file"): "the factors are a few files; the loads table keeps them",
    ("estimate_snapshots", "growth_stock"): "yfinance's growth row; the marts use the EPS trend only",
    ("estimate_snapshots", "growth_index"): "yfinance's index growth row; no mart reads it",
    ("estimate_snapshots", "landing_file"): "one file per capture; the loads table keeps them",
    ("shares_outstanding", "landing_file"): "one file per capture; the loads table keeps them",
    ("shares_outstanding", "loaded_at"): "the capture time (as_of) is the point-in-time column",
}


def test_each_staging_model_reads_every_declared_column():
    manifest = json.loads(dbt_project.manifest_path.read_text())
    sources = {s["name"]: uid for uid, s in manifest["sources"].items() if s["source_name"] == "raw"}
    problems = []
    for table in RAW_TABLES:
        [staging] = [
            node
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model"
            and node["name"].startswith("stg_")
            and sources[table.name] in node["depends_on"]["nodes"]
        ]
        for column in (*table.columns, *PROVENANCE):
            named = re.search(rf"\b{column.name}\b", staging["raw_code"])
            if named and (table.name, column.name) in NOT_STAGED:
                problems.append(
                    f"raw.{table.name}.{column.name} is read by {staging['name']}: drop it from NOT_STAGED"
                )
            elif not named and (table.name, column.name) not in NOT_STAGED:
                problems.append(f"raw.{table.name}.{column.name} is not read by {staging['name']}")
    assert not problems, "\n".join(problems)
