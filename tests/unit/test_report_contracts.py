"""The report reads mart columns only through warehouse/report/data.py, and only columns the marts'
dbt contracts declare: renaming a mart column in its YAML without changing the report fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.unit.test_report import make_marts
from warehouse.report import data, render_report

PACKAGE = Path(data.__file__).parent


def contract_columns(mart: str) -> list[str]:
    """The `columns:` names of ``mart``'s model in its dbt YAML contract."""
    path = data.contract_path(mart)
    assert path.is_file(), f"the report reads {data.table(mart)}, whose contract {path} does not exist"
    models = [
        m for m in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or [] if m["name"] == mart
    ]
    assert len(models) == 1, f"{path}: expected one model named {mart}, found {len(models)}"
    return [c["name"] for c in models[0].get("columns") or []]


def undeclared(mart: str, columns: tuple[str, ...]) -> list[str]:
    """The ``columns`` read from ``mart`` that its contract does not declare."""
    declared = set(contract_columns(mart))
    return [c for c in columns if c not in declared]


@pytest.mark.parametrize("mart", sorted(data.READS))
def test_every_column_the_report_reads_is_in_its_marts_contract(mart: str) -> None:
    missing = undeclared(mart, data.READS[mart])
    assert not missing, (
        f"warehouse/report/data.py READS[{mart!r}] names {missing}, which "
        f"{data.contract_path(mart).relative_to(data.REPO)} does not declare: rename them in data.py "
        "to the contract's names (or add them to the mart)"
    )


def test_a_renamed_column_is_caught() -> None:
    """The check above fails for a column the contract does not declare (so it can fail)."""
    assert undeclared(data.Daily.MART, ("date", "vix_level", "vix_level_renamed")) == ["vix_level_renamed"]


def test_the_report_reads_its_five_marts_and_their_order_columns() -> None:
    assert set(data.READS) == {
        "rotation_daily",
        "rotation_episodes",
        "relative_rotation",
        "relative_performance",
        "event_calendar",
    }
    for mart, columns in data.READS.items():
        assert len(set(columns)) == len(columns), f"READS[{mart!r}] lists a column twice"
        assert set(data.ORDER_BY[mart]) <= set(columns), f"ORDER_BY[{mart!r}] orders by a column not read"
    for mart, (column, _) in data.WHERE.items():
        assert column in data.READS[mart], f"WHERE[{mart!r}] filters on {column}, which READS does not list"


def test_the_explorer_horizon_is_one_the_mart_accepts() -> None:
    """The pair explorer reads relative_performance at one horizon: a value the contract accepts."""
    path = data.contract_path(data.Performance.MART)
    model = next(
        m
        for m in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
        if m["name"] == "relative_performance"
    )
    horizon = next(c for c in model["columns"] if c["name"] == data.Performance.HORIZON)
    accepted = next(t["accepted_values"] for t in horizon["data_tests"] if "accepted_values" in t)
    assert data.Performance.HORIZON_SHOWN in accepted["arguments"]["values"]


# strings that equal a mart column but are not one: axis labels, plotly's attribute names (dict keys,
# e.g. "direction" of a menu) and its axis types (type="date")
LABEL_CALLS = {"set_xlabel", "set_ylabel", "set_title"}
ATTRIBUTE_KEYWORDS = {"type"}


def column_literals(path: Path, columns: set[str]) -> list[tuple[int, str]]:
    """String literals in ``path`` equal to a mart column, except the argument of an axis label call, a
    dict key and a ``type=`` keyword's value."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    labels = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in LABEL_CALLS
        for arg in node.args
    }
    labels |= {id(key) for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys}
    labels |= {
        id(kw.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg in ATTRIBUTE_KEYWORDS
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in columns and id(node) not in labels
    ]


def test_only_data_py_names_mart_columns() -> None:
    columns = {c for mart in data.READS for c in contract_columns(mart)}
    found = {
        path.name: hits
        for path in sorted(PACKAGE.glob("*.py"))
        if path.name != "data.py" and (hits := column_literals(path, columns))
    }
    assert not found, f"mart column names outside warehouse/report/data.py (file: [(line, column)]): {found}"
    # and the check does see one
    assert column_literals(PACKAGE / "data.py", columns), "data.py names no mart column: the check is blind"


def test_a_column_missing_from_serving_names_the_mart_the_column_and_the_contract(tmp_path: Path) -> None:
    con = make_marts()
    con.execute("alter table marts.rotation_episodes rename column peak_spread to peak_spread_renamed")
    with pytest.raises(ValueError) as raised:
        render_report(con, tmp_path)
    message = str(raised.value)
    for expected in (
        "marts.rotation_episodes",
        "peak_spread ",
        "closest present: peak_spread_renamed",
        "dbt_project/models/marts/rotation_episodes.yml",
        "an in-memory database",
    ):
        assert expected in message, f"{expected!r} not in: {message}"
    assert not (tmp_path / "rotation_report.html").exists()


def test_the_error_names_the_serving_file(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    with duckdb.connect(str(serving)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.rotation_daily (date date)")
    with pytest.raises(
        ValueError,
        match=rf"marts\.rotation_daily in {re.escape(str(serving))} lacks the column\(s\) rut_close",
    ):
        data.read_serving(serving)
