"""The removal rule's gate and its setting: rows a load no longer delivers are kept and block until
a decision (ROTATION_ALLOW_REMOVALS) or a fixed file."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from ingestion.settings import RAW_TABLE_NAMES, Settings, SettingsError, parse_allow_removals
from orchestration.checks import removals_outcome
from tests.unit.test_warehouse_db import ROWS, frame, load
from warehouse import db, raw


def settings(tmp_path, allow=()) -> Settings:
    return Settings(
        source="sample",
        home=tmp_path,
        snapshot_dir=tmp_path,
        start_date=dt.date(2000, 1, 1),
        allow_removals=allow,
    )


def test_the_removals_gate_fails_naming_the_rows_and_the_fix_and_passes_after_a_decision(tmp_path):
    s = settings(tmp_path)
    with db.connect(s.build_db) as con:
        load(con, frame(ROWS))
    assert removals_outcome(s, raw.PRICES).success
    with db.connect(s.build_db) as con:
        load(con, frame([("B", "2024-01-02", 20.0), ("A", "2024-01-02", 10.0)]))
    outcome = removals_outcome(s, raw.PRICES)
    assert not outcome.success
    failure = outcome.failed[0]
    assert failure.unexpected_count == 1
    assert failure.examples[0]["item"] == "A" and failure.examples[0]["date"] == "2024-01-03"
    assert "ROTATION_ALLOW_REMOVALS=prices" in outcome.summary()
    assert removals_outcome(s, raw.FRED_SERIES).success, "one table's removals gate only its own"
    with db.connect(s.build_db) as con:
        load(
            con,
            frame([("B", "2024-01-02", 20.0), ("A", "2024-01-02", 10.0)]),
            allow=dataclasses.replace(s, allow_removals=("prices:A",)).removals_allowed("prices"),
        )
    assert removals_outcome(s, raw.PRICES).success


def test_allow_removals_names_tables_or_items_and_rejects_unknown_tables():
    assert parse_allow_removals(" prices:IWM, cftc_tff ,") == ("prices:IWM", "cftc_tff")
    s = Settings(
        source="sample",
        home=pd.__file__,  # unused
        snapshot_dir=pd.__file__,
        start_date=dt.date(2000, 1, 1),
        allow_removals=("prices:IWM", "cftc_tff"),
    )
    assert s.removals_allowed("prices") == {"IWM"}
    assert s.removals_allowed("cftc_tff") == {"*"}
    assert s.removals_allowed("fred_series") == frozenset()
    with pytest.raises(SettingsError, match="'price' is not a raw table"):
        parse_allow_removals("price")
    assert Settings.from_env({"ROTATION_ALLOW_REMOVALS": "prices"}).allow_removals == ("prices",)


def test_the_settings_name_every_raw_table():
    assert set(RAW_TABLE_NAMES) == {t.name for t in raw.RAW_TABLES}
