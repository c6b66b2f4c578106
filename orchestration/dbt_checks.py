"""What a dbt test checks, in words: the description of its Dagster asset check.

dagster-dbt names a check after the dbt test (``expression_is_true_rate_sensitivity_rate_moves_...``,
cut off in the UI) and leaves its description empty unless the test's YAML has one. The test's
metadata says what it checks; ``describe_test`` writes that as a sentence, so a check's page says
what failed without opening the YAML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# dbt's severity "warn" is reported only; "error" (the default) blocks publishing serving, which the
# check's page already says ("This is a blocking asset check").
WARNING = "a warning: reported, does not block publishing"


def _ref_name(to: str) -> str:
    """``ref('instruments')`` -> ``instruments``; ``source('raw', 'prices')`` -> ``raw.prices``."""
    inner = to[to.index("(") + 1 : to.rindex(")")] if "(" in to and to.endswith(")") else to
    return ".".join(part.strip().strip("'\"") for part in inner.split(","))


def _rule(kind: str, column: str | None, kwargs: Mapping[str, Any]) -> str:
    if kind == "not_null":
        return f"`{column}` is never null"
    if kind == "unique":
        return f"`{column}` is unique: no two rows share a value"
    if kind == "unique_combination_of_columns":
        return f"one row per ({', '.join(kwargs['combination_of_columns'])}): no duplicated key"
    if kind == "accepted_values":
        return f"`{column}` is one of {', '.join(str(v) for v in kwargs['values'])}"
    if kind == "relationships":
        return f"every `{column}` is a `{kwargs['field']}` of {_ref_name(kwargs['to'])}"
    if kind == "expression_is_true":
        return f"every row satisfies `{kwargs['expression']}`"
    arguments = ", ".join(f"{k}={v}" for k, v in kwargs.items() if k not in ("model", "column_name"))
    return f"{kind}({column or ''}{', ' if column and arguments else ''}{arguments})"


def describe_test(node: Mapping[str, Any]) -> str:
    """One or two sentences for a dbt test node of the manifest: its own description when the YAML
    gives one, else its rule from the test's metadata (generic tests) or its file (singular tests);
    then the rows it applies to (``where``), and whether it is only a warning."""
    config = node.get("config", {})
    metadata = node.get("test_metadata") or {}
    if node.get("description"):
        text = node["description"].strip().rstrip(".")
    elif metadata:
        text = _rule(metadata["name"], node.get("column_name"), metadata.get("kwargs", {}))
    else:
        text = f"the query in dbt_project/{node.get('original_file_path', node['name'])} returns no row"
    if config.get("where"):
        text += f", among rows where {config['where']}"
    if str(config.get("severity", "error")).lower() == "warn":
        text += f" ({WARNING})"
    return f"{text[0].upper()}{text[1:]}."
