"""The Dagster UI as a data team uses it, in a real browser.

`dagster dev` (what `make ui` runs) serves the project against a temporary Dagster home and the sample
warehouse; Playwright drives Debian's Chromium (headless, `executable_path`: no browser download).
Screenshots go to tests/output/ui/. The test checks the asset graph is one connected graph with its
groups, launches a materialization from the UI and waits for it to end green, and finds check results
and metadata (row counts, the report's chart previews) on the asset pages.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from ingestion.settings import REPO_ROOT

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO_ROOT / "tests" / "output" / "ui"
GROUPS = {"ingestion", "reference", "staging", "intermediate", "marts", "serving", "reports"}
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dagster:
    def __init__(self, base: str, log: Path):
        self.base, self.log = base, log

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.base}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def runs(self) -> list[dict]:
        data = self.graphql(
            "{ runsOrError(limit: 20) { ... on Runs { results { runId status jobName "
            "assetSelection { path } } } } }"
        )
        return data["runsOrError"]["results"]

    def wait_for_run(self, known: set[str], timeout: float = 240) -> dict:
        """The first run not in ``known``, once it has ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = [r for r in self.runs() if r["runId"] not in known]
            if new and new[0]["status"] in TERMINAL:
                return new[0]
            time.sleep(2)
        raise AssertionError(f"no run ended within {timeout:.0f} s; dagster log: {self.log}")


@pytest.fixture(scope="module")
def dagster(sample_warehouse, tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make test installs it: apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: make install")
    settings, _ = sample_warehouse
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    log = home / "dagster_dev.log"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ROTATION_HOME": str(settings.home),
        "ROTATION_SOURCE": "sample",
    }
    dagster_bin = Path(sys.executable).parent / "dagster"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(dagster_bin), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Dagster(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, f"dagster dev exited: {log.read_text()[-3000:]}"
            try:
                if server.graphql("{ assetNodes { id } }")["assetNodes"]:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (
                f"the UI did not load the definitions: {log.read_text()[-3000:]}"
            )
            time.sleep(2)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def page(dagster):
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def open_page(page, dagster: Dagster, path: str) -> None:
    page.goto(dagster.base + path)
    page.wait_for_load_state("networkidle")
    skip = page.get_by_role("button", name="Skip")  # the first-visit "join the community" dialog
    if skip.count():
        skip.click()


def test_the_asset_graph_is_one_connected_graph_with_groups(dagster, page):
    """ingestion (with the blocking gates as checks) → reference/staging → intermediate → marts →
    serving → reports: every asset is in a group and reachable from every other through
    dependencies, and the lineage page shows the groups."""
    nodes = dagster.graphql(
        "{ assetNodes { assetKey { path } groupName hasAssetChecks dependencyKeys { path } } }"
    )["assetNodes"]
    keys = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert {n["groupName"] for n in nodes} == GROUPS
    assert keys["raw/prices"]["hasAssetChecks"], "the quality gate shows as a check of raw/prices"
    neighbours: dict[str, set[str]] = {k: set() for k in keys}
    for key, node in keys.items():
        for dep in node["dependencyKeys"]:
            upstream = "/".join(dep["path"])
            neighbours[key].add(upstream)
            neighbours.setdefault(upstream, set()).add(key)
    seen, todo = set(), ["reports/rotation_report"]
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            todo.extend(neighbours[key])
    assert seen >= set(keys), f"not connected to the report: {sorted(set(keys) - seen)}"

    open_page(page, dagster, "/asset-groups")
    for group in GROUPS:  # the list renders progressively: wait for each name (a CI run missed the last)
        page.get_by_text(group, exact=True).first.wait_for(state="visible", timeout=30_000)
    page.screenshot(path=SCREENSHOTS / "asset_graph.png")


def test_a_materialization_launched_from_the_ui_ends_green_with_its_checks(dagster, page):
    """Materialize marts/relative_rotation from its asset page (confirming the dialog about
    upstream assets this fresh Dagster home has not materialized: they are in the warehouse);
    the run ends SUCCESS and the page then shows the materialization and the dbt tests passed."""
    known = {r["runId"] for r in dagster.runs()}
    open_page(page, dagster, "/assets/marts/relative_rotation")
    page.locator("button", has_text="Materialize").first.click()
    confirm = page.get_by_role("button", name="Confirm")
    confirm.wait_for(timeout=10_000)
    confirm.click()
    run = dagster.wait_for_run(known)
    assert run["status"] == "SUCCESS", f"run {run['runId']} {run['status']}; dagster log: {dagster.log}"
    open_page(page, dagster, "/assets/marts/relative_rotation")
    assert page.get_by_text("Never materialized").count() == 0
    # the column docs of the dbt YAML, as an analyst finds them
    page.get_by_text("Trading date of both the segment and the benchmark.").wait_for()
    page.screenshot(path=SCREENSHOTS / "relative_rotation_materialized.png")
    open_page(page, dagster, "/assets/marts/relative_rotation?view=checks")
    page.get_by_text("accepted_values_relative_rotation").filter(visible=True).first.wait_for()
    page.wait_for_timeout(2000)
    page.screenshot(path=SCREENSHOTS / "relative_rotation_checks.png")
    text = page.locator("body").inner_text()
    assert "unique_combination_of_columns_relative_rotation" in text.replace("\n", ""), text[:2000]
    assert "Succeeded" in text or "Passed" in text, text[:2000]
    # each check says what it checks (written from the dbt test), not "No description provided"
    assert "is one of leading, weakening, lagging, improving." in text, text[:2000]


def test_a_marts_page_shows_its_row_count_and_date_window(dagster, page, sample_warehouse):
    """After the UI's materialization above, the mart's page shows the rows and dates the table holds
    (counted here in the build file)."""
    settings, _ = sample_warehouse
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        rows, first, last = con.execute(
            "select count(*), min(date), max(date) from marts.relative_rotation"
        ).fetchone()
    open_page(page, dagster, "/assets/marts/relative_rotation")
    page.get_by_text("first_date", exact=True).first.wait_for()
    page.screenshot(path=SCREENSHOTS / "relative_rotation_row_count.png", full_page=True)
    text = page.locator("body").inner_text()
    assert f"{rows:,}" in text or str(rows) in text, text[:3000]
    assert str(first) in text and str(last) in text, text[:3000]


def test_metadata_row_counts_and_chart_previews_are_visible(dagster, page):
    """The report and the Parquet export, launched through the UI's GraphQL API, end green; the
    Parquet asset page shows its row count and per-file rows, the report's page a static preview of
    each chart, each rendered as an image when opened."""
    from warehouse.report import CHART_NAMES

    known = {r["runId"] for r in dagster.runs()}
    launched = dagster.graphql(
        """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
             __typename ... on PythonError { message } ... on InvalidSubsetError { message } } }""",
        {
            "params": {
                "selector": {
                    "repositoryLocationName": "orchestration.definitions",
                    "repositoryName": "__repository__",
                    "jobName": "marts_and_serving",
                    "assetSelection": [
                        {"path": ["reports", "rotation_report"]},
                        {"path": ["serving", "parquet"]},
                    ],
                },
                "mode": "default",
            }
        },
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run = dagster.wait_for_run(known)
    assert run["status"] == "SUCCESS", f"run {run['runId']} {run['status']}; dagster log: {dagster.log}"

    open_page(page, dagster, "/assets/serving/parquet")
    page.get_by_text("Row count", exact=False).first.wait_for()
    page.get_by_text("rotation_daily.parquet").wait_for()
    page.screenshot(path=SCREENSHOTS / "parquet_metadata.png", full_page=True)

    open_page(page, dagster, "/assets/reports/rotation_report")
    page.get_by_text("as_of", exact=True).wait_for()
    page.screenshot(path=SCREENSHOTS / "report_metadata.png")
    # each preview is a markdown image: the metadata table links it, a dialog renders it
    links = page.get_by_text("[Show Markdown]")
    assert links.count() == len(CHART_NAMES), f"{links.count()} chart previews in the metadata"
    for i in range(len(CHART_NAMES)):
        links.nth(i).click()
        image = page.locator('img[src^="data:image/png;base64,"]')
        image.wait_for()
        assert image.bounding_box()["width"] >= 500
        if i == 0:
            page.screenshot(path=SCREENSHOTS / "report_preview.png")
        page.get_by_role("button", name="Close").click()
        image.wait_for(state="detached")
