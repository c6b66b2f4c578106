"""`make docs`: dbt's single-file docs site, built offline from a built warehouse.

Runs the Makefile's own DBT_DOCS command from inside dbt_project/ (as `make docs` does) on the sample
warehouse's build file, with --target-path and --log-path in a temporary folder so the shared
dbt_project/target (Dagster's manifest, partial-parse state) is not touched.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.integration.conftest import run_dbt_by_hand

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]


def makefile_dbt_docs() -> list[str]:
    """The dbt arguments `make docs` runs (the Makefile's DBT_DOCS), so test and target share them."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^DBT_DOCS\s*:?=\s*([^\n]+)$", makefile, flags=re.M)
    assert match, "Makefile has no DBT_DOCS := ... line (the dbt arguments of `make docs`)"
    recipe = re.search(r"^docs:[^\n]*\n((?:\t[^\n]*\n)+)", makefile, flags=re.M)
    assert recipe and "cd dbt_project" in recipe[1] and "$(DBT_DOCS)" in recipe[1], (
        "`make docs` should run $(BIN)/dbt $(DBT_DOCS) from inside dbt_project/"
    )
    assert "target/static_index.html" in recipe[1]
    return shlex.split(match[1])


def test_dbt_docs_static_site(sample_warehouse, tmp_path):
    settings, run = sample_warehouse
    assert run.success, run.failures
    args = makefile_dbt_docs()
    assert args[:3] == ["docs", "generate", "--static"]
    assert settings.dbt_env()["ROTATION_BUILD_DB"] == str(settings.build_db)
    result, target = run_dbt_by_hand(settings, args, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    site = target / "static_index.html"
    assert site.is_file(), f"dbt docs generate --static wrote no {site}"
    html = site.read_text(encoding="utf-8")
    assert "rotation_daily" in html
    # a column description from rotation_daily.yml, and the catalog of the built warehouse inlined
    assert "every column is what was known at its 16:00 New York close" in html
    catalog = html.find('catalog:{"metadata"')
    assert catalog > 0, "no catalog inlined in the static site"
    assert re.search(
        r'"model\.rotation\.rotation_daily":\s*\{"metadata":\s*\{"type":\s*"BASE TABLE",\s*"schema":\s*"marts"',
        html[catalog:],
    ), "the catalog does not describe the built marts.rotation_daily table"
    assert not re.search(r"<script[^>]+src=\"https?://", html), "the site loads scripts from the network"
    assert not re.search(r"<link[^>]+href=\"https?://[^\"]+\.css", html), (
        "the site loads CSS from the network"
    )
