"""benchmarks/rate_sensitivity_check.py: the mart against DuckDB's windowed corr/regr_slope finds
what differs (values beyond 1e-12 of their scale, nulls, counts, rows)."""

from __future__ import annotations

import duckdb

from benchmarks import rate_sensitivity_check as check


def _build(path, perturb: str = "") -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate; create schema marts")
        con.execute(
            """
            create table intermediate.int_rate_sensitivity__aligned as
            select 'X' as symbol, 'R' as rate_series, date '2024-01-01' + cast(i as integer) as date,
                   sin(i) / 100 + i / 1000 as daily_return,
                   case when i = 7 then null else cos(i * 3) * 5 end as change_bp
            from range(300) as t(i)
            """
        )
        con.execute(f"create table marts.rate_sensitivity as {check.reference_sql(0.5)}")
        if perturb:
            con.execute(perturb)


def test_the_same_windows_agree(tmp_path):
    _build(tmp_path / "a.duckdb")
    out = check.compare(tmp_path / "a.duckdb")
    assert out["rows_new"] == out["rows_old"] > 0
    assert out["correlation_max_diff_over_scale"] == 0 and out["beta_max_diff_over_scale"] == 0
    assert check.main(["check", str(tmp_path / "a.duckdb")]) == 0


def test_a_value_off_by_more_than_1e_12_of_its_scale_fails(tmp_path):
    _build(
        tmp_path / "b.duckdb",
        "update marts.rate_sensitivity set correlation = correlation + 1e-10 "
        "where window_days = 10 and date = date '2024-03-01'",
    )
    out = check.compare(tmp_path / "b.duckdb")
    assert 0.9e-10 < out["correlation_max_diff_over_scale"] < 1.1e-10
    assert check.main(["check", str(tmp_path / "b.duckdb")]) == 1


def test_a_null_where_the_old_windows_have_a_value_fails(tmp_path):
    _build(
        tmp_path / "c.duckdb",
        "update marts.rate_sensitivity set beta = null where window_days = 21 and date = date '2024-03-01'",
    )
    assert check.compare(tmp_path / "c.duckdb")["beta_null_mismatch"] == 1
    assert check.main(["check", str(tmp_path / "c.duckdb")]) == 1
