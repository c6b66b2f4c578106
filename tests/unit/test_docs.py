"""docs/marts.md is generated from the marts' dbt YAML and must not drift from it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"
MARTS_MD = REPO_ROOT / "docs" / "marts.md"


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "generate_marts_md", REPO_ROOT / "docs" / "generate_marts_md.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mart_models() -> dict[str, dict]:
    models = {}
    for path in sorted(MARTS_DIR.glob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            models[model["name"]] = model
    return models


def sections(markdown: str) -> dict[str, str]:
    """The text under each ``## name`` heading."""
    parts = re.split(r"^## (\S+)\n", markdown, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_marts_md_is_generated_from_the_yaml():
    expected = load_generator().render()
    current = MARTS_MD.read_text(encoding="utf-8") if MARTS_MD.exists() else ""
    assert current == expected, (
        "docs/marts.md differs from what dbt_project/models/marts/*.yml generate: run `make marts-doc` "
        "(.venv/bin/python docs/generate_marts_md.py) and commit docs/marts.md"
    )


def test_every_mart_and_column_is_documented():
    text = MARTS_MD.read_text(encoding="utf-8")
    by_mart = sections(text)
    models = mart_models()
    assert len(models) >= 7
    for name, model in models.items():
        assert name in by_mart, f"docs/marts.md has no section for mart {name}: run `make marts-doc`"
        assert f"[`marts.{name}`](#{name})" in text, f"{name} missing from the table of contents"
        section = by_mart[name]
        for column in model["columns"]:
            assert re.search(rf"^\| `{re.escape(column['name'])}` \| ", section, flags=re.M), (
                f"column {name}.{column['name']} missing from docs/marts.md: run `make marts-doc`"
            )


def test_tables_are_valid_markdown():
    """Every table row has exactly four cells (no unescaped pipe, no line break in a description)."""
    for line in MARTS_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) == 4, f"table row with {len(cells)} cells: {line[:120]}"


def test_rendering_escapes_and_lists_checks(tmp_path):
    """Pipes are escaped, newlines collapsed, and not_null, accepted values, relationships and the
    unique key of data_tests show up as the column's checks."""
    (tmp_path / "toy.yml").write_text(
        """
version: 2
models:
  - name: toy
    description: >
      A toy mart. Grain: day × thing.
      Second line | with a pipe.
    data_tests:
      - unique_combination_of_columns:
          arguments:
            combination_of_columns: [day, thing]
    columns:
      - name: day
        data_type: date
        description: "Day,\\nas known at the close | percent."
        constraints: [{type: not_null}]
      - name: thing
        data_type: varchar
        description: A thing.
        data_tests:
          - accepted_values:
              arguments:
                values: [a, b]
          - relationships:
              arguments:
                to: ref('things')
                field: id
""",
        encoding="utf-8",
    )
    text = load_generator().render(tmp_path)
    assert "do not edit by hand" in text.lower() and "make marts-doc" in text
    assert "- [`marts.toy`](#toy): A toy mart" in text
    assert "- **Grain:** day × thing" in text
    assert "- **Unique key (tested):** `day` × `thing`" in text
    assert "Second line \\| with a pipe." in text
    assert "| `day` | date | Day, as known at the close \\| percent. | not null; part of unique key" in text
    thing = next(line for line in text.splitlines() if line.startswith("| `thing`"))
    assert "accepted values: `a`, `b`" in thing and "references `things.id`" in thing
