"""On Spark the dbt step first exports raw to the lake (orchestration/assets/dbt.py export_lake), and
only raw every gate passed: a window no gate passed, or rows withheld without a decision, stop it.

warehouse.lake belongs to the Spark models' branch; a stand-in records what the step hands it."""

from __future__ import annotations

import datetime as dt
import sys
import types

import duckdb
import pytest
from dagster import Failure

import warehouse
from ingestion.settings import Settings
from orchestration import raw_state
from orchestration.assets import dbt as dbt_assets
from tests.unit.test_warehouse_db import ROWS, frame, load
from warehouse import db


class Log:
    def __init__(self):
        self.lines: list[str] = []

    def info(self, line: str) -> None:
        self.lines.append(line)


@pytest.fixture
def fake_lake(monkeypatch):
    calls = []

    def export_raw(con, lake_dir, tables=None):
        # read-only: the export must not be able to change the build file
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("create table raw.scratch (x int)")
        calls.append((con.execute("select count(*) from raw.prices").fetchone()[0], lake_dir, tables))
        return {"prices": 3, "fred_series": 0}

    module = types.ModuleType("warehouse.lake")
    module.export_raw = export_raw
    monkeypatch.setitem(sys.modules, "warehouse.lake", module)
    monkeypatch.setattr(warehouse, "lake", module, raising=False)
    return calls


def spark_settings(tmp_path) -> Settings:
    return Settings(
        source="sample", home=tmp_path, snapshot_dir=tmp_path, start_date=dt.date(2000, 1, 1), engine="spark"
    )


def test_a_load_no_gate_has_passed_is_not_exported(tmp_path, fake_lake):
    settings = spark_settings(tmp_path)
    with db.connect(settings.build_db) as con:
        load(con, frame(ROWS))  # loaded, its gates never ran
    context = types.SimpleNamespace(log=Log())
    with pytest.raises(Failure) as error:
        dbt_assets.export_lake(context, settings)
    message = error.value.description
    assert message.startswith("not exporting raw to the lake") and str(settings.lake_dir) in message
    assert "raw.prices" in message or "prices" in message
    assert "never ran" in message and " — fix: " in message
    assert fake_lake == [], "nothing was exported"


def test_withheld_rows_stop_the_export_even_when_every_window_passed(tmp_path, fake_lake, monkeypatch):
    settings = spark_settings(tmp_path)
    with db.connect(settings.build_db) as con:
        load(con, frame(ROWS))
        load(con, frame(ROWS[1:]))  # A 2024-01-02 no longer delivered: withheld
    monkeypatch.setattr(raw_state, "unpassed_windows", lambda settings: [])
    with pytest.raises(Failure, match="1 row\\(s\\) of raw.prices withheld"):
        dbt_assets.export_lake(types.SimpleNamespace(log=Log()), settings)
    assert fake_lake == []


def test_gated_raw_is_exported_from_the_build_file_read_only(tmp_path, fake_lake, monkeypatch):
    settings = spark_settings(tmp_path)
    with db.connect(settings.build_db) as con:
        load(con, frame(ROWS))
    monkeypatch.setattr(raw_state, "unpassed_windows", lambda settings: [])
    context = types.SimpleNamespace(log=Log())
    assert dbt_assets.export_lake(context, settings) == {"prices": 3, "fred_series": 0}
    assert fake_lake == [(3, tmp_path / "lake", None)]
    assert context.log.lines == [
        f"exported raw to the lake {tmp_path / 'lake'} for dbt on Spark: fred_series 0 rows, prices 3 rows"
    ]
