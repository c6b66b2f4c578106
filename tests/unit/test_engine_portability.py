"""One set of models for DuckDB and Spark (issue 19): engine-only SQL lives only in the dispatched
macros of dbt_project/macros/engine/. Every model, every macro outside that folder and every
singular dbt test is scanned for the spellings one of the two engines refuses or reads differently;
a hit names file:line and what to use instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
ENGINE_DIR = DBT_PROJECT / "macros" / "engine"

# pattern -> why it is rejected and what to use instead
ENGINE_ONLY = {
    r"\basof\s+(left\s+)?join\b": "ASOF JOIN is DuckDB-only: use asof_left_join() (macros/engine/joins.sql)",
    r"\bqualify\b": "QUALIFY is not Spark SQL: filter a row_number() in an outer select",
    r"\barg_(max|min)\s*\(": "arg_max/arg_min are DuckDB-only: max_by/min_by work on both",
    r"\bquantile_cont\s*\(": "quantile_cont is DuckDB-only: use window_quantile() (macros/engine/aggregates.sql)",
    r"\bproduct\s*\(": "product() is DuckDB-only: use window_product() (macros/engine/aggregates.sql)",
    r"\btimezone\s*\(": "timezone() is DuckDB-only: use local_time_on_date() (macros/engine/dates.sql)",
    r"::\s*[a-z]": "`::` casts are not Spark SQL: use cast(x as type)",
    r"\bvarchar\b(?!\s*\()": "VARCHAR without a length is refused by Spark: use dbt.type_string() in SQL, string in YAML",
    r"\btimestamptz\b|timestamp\s+with\s+time\s+zone": "no such type on Spark: timestamp (an instant there)",
    r"\bextract\s*\(\s*(dow|isodow)\b": "extract(dow) counts from Sunday = 1 on Spark, 0 on DuckDB: use day_of_week()",
    r"\bdayofweek\s*\(": "dayofweek() counts 1 = Sunday on Spark: use day_of_week()",
    r"\b(rank|cume_dist|percent_rank)\s*\(\s*order\s+by": "an aggregate ORDER BY in a ranking window is DuckDB-only: "
    "rank_to_date_select() / cume_dist_to_date_select()",
    r"\bisnan\s*\(": "isnan() differs by engine (and x <> x never holds for NaN on Spark): use nan_to_null()",
    r"\blist_\w+\s*\(|\[\s*'[^']*'\s*(,\s*'[^']*'\s*)*\]\s*::|\{\s*'\w+'\s*:": "list/struct literals and list_* "
    "functions are DuckDB-only",
    r"\bstrftime\s*\(|\bdate_diff\s*\(|\bdate_add\s*\(": "engine-specific date functions: use dbt.datediff/dbt.dateadd",
    r"\bnow\s*\(\s*\)": "now() is not Spark SQL: current_timestamp",
    r"\b\d+\.\d+\s+else\s+\d+\.\d+\b": "decimal literals average to DECIMAL on Spark: write 1e0 / 0e0 (doubles)",
}


def scanned_files() -> list[Path]:
    files = [*(DBT_PROJECT / "models").rglob("*.sql"), *(DBT_PROJECT / "tests").rglob("*.sql")]
    files += [p for p in (DBT_PROJECT / "macros").rglob("*.sql") if ENGINE_DIR not in p.parents]
    return sorted(files)


def strip_comments(line: str, in_block: bool) -> tuple[str, bool]:
    """The line without SQL `--` comments and Jinja `{# #}` comments (tracked across lines)."""
    out = ""
    rest = line
    while rest:
        if in_block:
            end = rest.find("#}")
            if end < 0:
                return out, True
            rest, in_block = rest[end + 2 :], False
            continue
        start = rest.find("{#")
        dash = rest.find("--")
        if dash >= 0 and (start < 0 or dash < start):
            return out + rest[:dash], False
        if start < 0:
            return out + rest, False
        out, rest, in_block = out + rest[:start], rest[start + 2 :], True
    return out, in_block


def violations(text: str, name: str) -> list[str]:
    found = []
    in_block = False
    for number, line in enumerate(text.splitlines(), start=1):
        code, in_block = strip_comments(line, in_block)
        for pattern, why in ENGINE_ONLY.items():
            if re.search(pattern, code, flags=re.IGNORECASE):
                found.append(f"{name}:{number}: {why}: {line.strip()}")
    return found


def yaml_violations(path: Path) -> list[str]:
    """Contract types in the models' YAML: both engines must accept them."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.search(r"data_type:\s*(.+?)\s*(#.*)?$", line)
        if match and re.fullmatch(
            r"varchar|timestamptz|timestamp with time zone|hugeint|ubigint", match[1], re.I
        ):
            found.append(
                f"{path.relative_to(DBT_PROJECT)}:{number}: contract type {match[1]!r} is not portable"
            )
    return found


def test_models_and_macros_outside_the_engine_folder_are_portable():
    assert ENGINE_DIR.is_dir(), f"expected the engine macros in {ENGINE_DIR}"
    files = scanned_files()
    assert len(files) > 20, f"expected the project's SQL files, found {len(files)}"
    found = [
        v for p in files for v in violations(p.read_text(encoding="utf-8"), str(p.relative_to(DBT_PROJECT)))
    ]
    found += [v for p in (DBT_PROJECT / "models").rglob("*.yml") for v in yaml_violations(p)]
    assert not found, "engine-only SQL outside dbt_project/macros/engine/:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "sql",
    [
        "from a asof left join b on b.date < a.date",
        "select * from t qualify row_number() over (order by x) = 1",
        "select arg_max(date, v) from t",
        "select quantile_cont(v, 0.99) over w from t",
        "select product(1 + r) over w from t",
        "select timezone('America/New_York', d) from t",
        "select '2024-01-01'::date",
        "select cast(x as varchar) from t",
        "select cast(x as timestamptz) from t",
        "select extract(dow from d) from t",
        "select rank(order by v desc) over w from t",
        "select case when isnan(x) then null end",
        "select avg(case when a then 1.0 else 0.0 end) from t",
    ],
)
def test_the_lint_catches_each_engine_only_spelling(sql):
    assert violations(sql, "probe.sql"), f"expected a violation for {sql!r}"


def test_the_lint_reads_no_comments_and_allows_portable_spellings():
    text = "\n".join(
        [
            "-- asof join in a comment",
            "{# qualify in a Jinja comment",
            "   over two lines with product( #}",
            "select cast(x as varchar(10)), max_by(d, v), cast(y as {{ dbt.type_string() }}) from t",
        ]
    )
    assert violations(text, "probe.sql") == []
