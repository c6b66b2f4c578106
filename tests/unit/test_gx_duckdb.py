"""Great Expectations' SQL path on DuckDB (expectations/gx_duckdb.py): the shim's regression test.

On a tiny DuckDB file with known failing rows, a GX SQL validation must return the right counts,
observed values and failing-row examples. A GX upgrade that changes the patched method fails
``test_the_shim_refuses_a_changed_gx_method``; if the upgrade fixed the bug,
``test_unpatched_engine_loses_rows`` fails too, and the shim can go.
"""

from __future__ import annotations

import duckdb
import pytest

from expectations import gx_duckdb
from expectations.runner import validate_duckdb


@pytest.fixture
def tiny(tmp_path):
    """100 rows: v = i except row 5 (-1) and row 7 (null); (i, sym) unique except a copy of row 3."""
    path = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table t as select range as i, case when range = 5 then -1.0 when range = 7 then null "
            "else range * 1.0 end as v, 'S' || (range % 3) as sym from range(100); "
            "insert into t select * from t where i = 3"
        )
    return path


def suite():
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    e = gx.expectations
    return [
        e.ExpectColumnValuesToBeBetween(column="v", min_value=0, description="v >= 0"),
        e.ExpectColumnValuesToNotBeNull(column="v", description="v not null"),
        e.ExpectTableRowCountToBeBetween(min_value=1, max_value=100, description="at most 100 rows"),
        e.ExpectCompoundColumnsToBeUnique(column_list=["i", "sym"], description="one row per i"),
        e.ExpectColumnValuesToBeBetween(
            column="v",
            max_value=10,
            row_condition=Column("sym") == "S1",
            description="v <= 10 where sym is S1",
        ),
    ]


def test_gx_validates_inside_duckdb_with_counts_observed_values_and_examples(tiny):
    outcome = validate_duckdb("tiny", tiny, "select * from t", suite(), index_columns=["i"], rows=101)
    assert not outcome.success
    assert (outcome.evaluated, outcome.successful, outcome.rows) == (5, 0, 101)
    by = {f.description: f for f in outcome.failed}
    assert all(not str(f.observed).startswith("error") for f in outcome.failed), outcome.summary()
    assert by["v >= 0"].unexpected_count == 1
    assert by["v >= 0"].examples == [{"i": 5, "v": -1.0}]
    assert by["v not null"].unexpected_count == 1
    assert by["v not null"].examples == [{"i": 7, "v": None}]
    assert by["at most 100 rows"].observed == 101
    assert by["one row per i"].unexpected_count == 2
    assert sorted(e["i"] for e in by["one row per i"].examples) == [3, 3]
    # the row condition is applied in SQL: S1 rows are i = 1, 4, 7, ...; above 10 from 13 on
    expected = [i for i in range(100) if i % 3 == 1 and i > 10 and i != 7]
    assert by["v <= 10 where sym is S1"].unexpected_count == len(expected)
    assert [e["i"] for e in by["v <= 10 where sym is S1"].examples] == expected[:10]


def test_the_shim_is_idempotent_and_restorable(tiny):
    from great_expectations.execution_engine.sqlalchemy_execution_engine import (
        SqlAlchemyExecutionEngine,
    )

    gx_duckdb.install()
    patched = SqlAlchemyExecutionEngine.execute_query
    gx_duckdb.install()
    assert SqlAlchemyExecutionEngine.execute_query is patched
    gx_duckdb.uninstall()
    assert SqlAlchemyExecutionEngine.execute_query is not patched
    assert gx_duckdb.original_source_sha256() == gx_duckdb.PATCHED_SOURCE_SHA256
    gx_duckdb.install()


def test_the_shim_refuses_a_changed_gx_method(monkeypatch):
    """The guard: GX's execute_query must be the source the shim was written against. On a GX
    upgrade this fails: re-check the bug (test below) and update PATCHED_SOURCE_SHA256 or drop the
    shim."""
    assert gx_duckdb.original_source_sha256() == gx_duckdb.PATCHED_SOURCE_SHA256
    gx_duckdb.uninstall()
    try:
        monkeypatch.setattr(gx_duckdb, "PATCHED_SOURCE_SHA256", "0" * 64)
        with pytest.raises(gx_duckdb.GXChangedError, match="GX issue #11579"):
            gx_duckdb.install()
    finally:
        monkeypatch.undo()
        gx_duckdb.install()


def test_unpatched_engine_loses_rows(tiny):
    """Why the shim exists: without it every metric query's rows are lost (duckdb-engine's cursor
    is empty once GX released the connection) and every expectation fails with an error. When this
    test fails after a GX upgrade, the bug is fixed upstream and the shim can go."""
    gx_duckdb.uninstall()
    try:
        outcome = _validate_without_shim(tiny)  # validate_duckdb would install the shim
    finally:
        gx_duckdb.install()
    assert not outcome.success
    assert len(outcome.failed) == 2
    assert all(str(f.observed).startswith("error") for f in outcome.failed), outcome.summary()
    assert all(f.unexpected_count is None and not f.examples for f in outcome.failed)


def _validate_without_shim(path):
    from expectations import runner

    context = runner._context()
    source = context.data_sources.add_sql("rotation", connection_string=f"duckdb:///{path}")
    try:
        batch = source.add_query_asset("tiny", query="select * from t")
        batch = batch.add_batch_definition_whole_table("whole_table").get_batch()
        result = runner._run(context, batch, "tiny", suite()[:2], ["i"])
    finally:
        source.get_execution_engine().engine.dispose()
    return runner._outcome("tiny", result, 101)
