"""dbt tests become Dagster checks whose descriptions say what they check."""

from __future__ import annotations

import pytest

from orchestration.assets.dbt import rotation_dbt_assets
from orchestration.dbt_checks import describe_test


def node(kind=None, column=None, description="", **kwargs):
    config = {"severity": kwargs.pop("severity", "ERROR"), "where": kwargs.pop("where", None)}
    metadata = (
        {"name": kind, "kwargs": {**kwargs, "model": "{{ get_where_subquery(ref('m')) }}"}} if kind else {}
    )
    return {
        "name": "a_generated_name",
        "description": description,
        "column_name": column,
        "test_metadata": metadata,
        "config": config,
        "original_file_path": "tests/rank_to_date_implementations_agree.sql",
    }


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        (node("not_null", "date"), "`date` is never null."),
        (
            node("unique_combination_of_columns", combination_of_columns=["symbol", "date"]),
            "One row per (symbol, date): no duplicated key.",
        ),
        (
            node("accepted_values", "window_days", values=[10, 21]),
            "`window_days` is one of 10, 21.",
        ),
        (
            node("relationships", "numerator", to="ref('instruments')", field="symbol"),
            "Every `numerator` is a `symbol` of instruments.",
        ),
        (
            node("expression_is_true", expression="a <= b", where="b is not null", severity="warn"),
            "Every row satisfies `a <= b`, among rows where b is not null (a warning: reported, does not block publishing).",
        ),
        (node(), "The query in dbt_project/tests/rank_to_date_implementations_agree.sql returns no row."),
        (
            node("not_null", "date", description="Every day has a date."),
            "Every day has a date.",
        ),
    ],
)
def test_a_test_is_described_by_its_rule(test, expected):
    assert describe_test(test) == expected


def test_every_dbt_check_has_a_description():
    specs = list(rotation_dbt_assets.check_specs)
    assert specs
    empty = [spec.name for spec in specs if not spec.description or "None" in spec.description]
    assert not empty, f"checks without a description: {empty}"
