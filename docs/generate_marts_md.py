"""Write docs/marts.md from the dbt YAML of the marts (dbt_project/models/marts/*.yml).

    .venv/bin/python docs/generate_marts_md.py          # or: make marts-doc
    .venv/bin/python docs/generate_marts_md.py --check  # exit 1 when docs/marts.md is out of date

The YAML is the single source of the column docs (units, point-in-time meaning) and of the tests;
this renders it as markdown for readers who do not open dbt: per mart its description, its grain
where the description states one, its unique key and model-level tests, and a table of columns
(name, data type, description, constraints and tests). Output is deterministic: files in name
order, models and columns in YAML order.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jinja2
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"
OUTPUT = REPO_ROOT / "docs" / "marts.md"
COMMAND = "make marts-doc"
SCRIPT = ".venv/bin/python docs/generate_marts_md.py"

GRAIN = re.compile(r"\bGrain:\s*(?P<grain>.+?)\.(?:\s|$)")


def data_type(declared: str) -> str:
    """The type as DuckDB (the default target) builds it; a type that names the engine
    (docs/architecture.md "Two engines") is rendered for both."""
    if "target.type" not in declared:
        return declared
    render = jinja2.Template(declared)
    duckdb_type, spark_type = (render.render(target={"type": t}) for t in ("duckdb", "spark"))
    return f"{duckdb_type} (Spark: {spark_type})"


def one_line(text) -> str:
    """Collapse whitespace (newlines of folded YAML included) into single spaces."""
    return " ".join(str(text or "").split())


def inline(text) -> str:
    """Text safe inside a markdown table cell or paragraph: one line, pipes escaped, no stray
    emphasis or HTML (``*_as_of`` stays literal, ``<b`` is not a tag)."""
    text = one_line(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def code(text) -> str:
    """A code span in a table cell (pipes escaped; GFM removes the escape before the span)."""
    return "`" + one_line(text).replace("|", "\\|") + "`"


def test_name_and_args(test) -> tuple[str, dict]:
    """A data test as (name, arguments), for the string form (``- not_null``), the old form
    (``- accepted_values: {values: [...]}``) and dbt 1.10+'s ``arguments:`` form."""
    if isinstance(test, str):
        return test, {}
    (name, spec), *_ = test.items()
    spec = spec or {}
    args = spec.get("arguments", spec) if isinstance(spec, dict) else {}
    return name, args or {}


def describe_test(name: str, args: dict) -> str:
    if name == "accepted_values":
        return "accepted values: " + ", ".join(code(v) for v in args.get("values", []))
    if name == "relationships":
        to = re.sub(r"""^ref\(\s*['"]([^'"]+)['"]\s*\)$""", r"\1", str(args.get("to", "")))
        return "references " + code(f"{to}.{args.get('field', '')}")
    if name == "expression_is_true":
        return f"expression is true: {code(args.get('expression', ''))}"
    if name == "unique_combination_of_columns":
        return "unique: " + " × ".join(code(c) for c in args.get("combination_of_columns", []))
    return name


def describe_constraint(constraint: dict) -> str:
    kind = constraint.get("type", "")
    if kind == "check" and constraint.get("expression"):
        return f"check {code(constraint['expression'])}"
    return kind.replace("_", " ")


def column_checks(column: dict, unique_keys: list[list[str]]) -> str:
    checks = []
    for constraint in column.get("constraints") or []:
        checks.append(describe_constraint(constraint))
    for test in (column.get("data_tests") or []) + (column.get("tests") or []):
        text = describe_test(*test_name_and_args(test))
        if text not in checks:
            checks.append(text)
    for key in unique_keys:
        if column["name"] in key:
            checks.append(
                "unique"
                if key == [column["name"]]
                else "part of unique key " + " × ".join(code(c) for c in key)
            )
    return "; ".join(checks)


def summarize(description, limit: int = 120) -> str:
    """The description's first sentence (up to a semicolon), cut at a word to ``limit`` characters."""
    summary = one_line(description).split(". ")[0].split("; ")[0].rstrip(".")
    if len(summary) > limit:
        summary = summary[:limit].rsplit(" ", 1)[0].rstrip(",:;(") + " …"
    return summary


def render_model(model: dict, source: str) -> list[str]:
    name = model["name"]
    description = one_line(model.get("description"))
    model_tests = [
        test_name_and_args(t) for t in (model.get("data_tests") or []) + (model.get("tests") or [])
    ]
    unique_keys = [
        list(args.get("combination_of_columns", []))
        for n, args in model_tests
        if n == "unique_combination_of_columns"
    ]
    contract = ((model.get("config") or {}).get("contract") or {}).get("enforced")
    lines = [f"## {name}", "", f"`marts.{name}` (from `{source}`)", "", inline(description), ""]
    grain = GRAIN.search(description)
    if grain:
        lines.append(f"- **Grain:** {inline(grain['grain'])}")
    for key in unique_keys:
        lines.append("- **Unique key (tested):** " + " × ".join(code(c) for c in key))
    if contract:
        lines.append("- **Contract enforced:** column names and data types are checked at build time")
    for test_name, args in model_tests:
        if test_name != "unique_combination_of_columns":
            lines.append(f"- **Test:** {describe_test(test_name, args)}")
    lines += ["", "| column | data type | description | constraints and tests |", "|---|---|---|---|"]
    for column in model.get("columns") or []:
        lines.append(
            f"| {code(column['name'])} | {inline(data_type(column.get('data_type', '')))} "
            f"| {inline(column.get('description', ''))} | {column_checks(column, unique_keys)} |"
        )
    lines.append("")
    return lines


def load_models(marts_dir: Path = MARTS_DIR) -> list[tuple[dict, str]]:
    """Every model of the marts YAML files as (model, file relative to the repository root)."""
    models = []
    for path in sorted(marts_dir.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        source = path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else path.name
        models += [(model, source) for model in document.get("models") or []]
    return models


def render(marts_dir: Path = MARTS_DIR) -> str:
    models = load_models(marts_dir)
    lines = [
        "# Marts",
        "",
        f"<!-- Generated by `{COMMAND}` ({SCRIPT}) from dbt_project/models/marts/*.yml. "
        "Do not edit by hand. -->",
        "",
        f"**Generated file: do not edit by hand.** Written by `{COMMAND}` (`{SCRIPT}`) from the dbt "
        "YAML in `dbt_project/models/marts/*.yml`, which is the source of every description here; "
        "change the YAML and run the command again (a unit test fails while this file and the YAML "
        "differ). The tables live in schema `marts` of `serving.duckdb`. Descriptions carry the units "
        "and what each value is as of; the last column lists the dbt constraints and data tests.",
        "",
        'Column names follow one vocabulary (docs/architecture.md "Naming"): windows end in what '
        "they count (`_21d` trading days, `_30cd` calendar days, `_1w` calendar weeks, `_156r` "
        "reports, `ytd` since the year's base); ranks and percentile ranks (`pctrank`, 0..1) say "
        "what they rank among: `_to_date` (rows up to the row's date, point in time), a window "
        "suffix (trailing, point in time) or `_full_history` (all rows, later ones included: not "
        "point in time).",
        "",
        "## Contents",
        "",
    ]
    for model, _ in models:
        summary = summarize(model.get("description"))
        lines.append(f"- [`marts.{model['name']}`](#{model['name']}): {inline(summary)}")
    lines.append("")
    for model, source in models:
        lines += render_model(model, source)
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/marts.md is up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(REPO_ROOT)} is out of date: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO_ROOT)} ({len(load_models())} marts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
