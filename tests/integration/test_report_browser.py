"""The rotation report of a fresh sample build, opened in Debian's Chromium, offline.

Every request other than the file itself is aborted and recorded; the test hovers the spread panel and
reads its tooltip, clicks the 1M preset (every time-series chart follows, y axes refit), picks another
pair in the explorer, steps the rotation graph back, and checks there are no console errors.
Screenshots land in tests/output/report/ (sample_*.png).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ingestion.settings import REPO_ROOT
from tests.integration.report_browser import CHROMIUM, inspect_report
from warehouse.report import CHART_NAMES

pytestmark = pytest.mark.slow

SHOTS = REPO_ROOT / "tests" / "output" / "report"


def check_page(html_path, prefix: str, *, synthetic: bool):
    """The browser checks shared by the sample and the snapshot (tests/acceptance)."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make browser installs it: apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency: make install")
    check = inspect_report(html_path, SHOTS, prefix=prefix)
    assert check.page_errors == [] and check.console_errors == [], (check.page_errors, check.console_errors)
    assert check.network == [], f"the page asked the network for {check.network[:5]}"
    # every chart drawn by plotly and interactive (a drag layer for zoom and hover; the RRG has frames)
    assert set(check.charts) == set(CHART_NAMES), sorted(check.charts)
    for name, facts in check.charts.items():
        assert facts["traces"] > 0 and facts["hasDragLayer"], (name, facts)
        assert facts["synthetic"] is synthetic, name
    assert check.charts["relative_rotation"]["frames"] > 1
    # the tooltip: the date, then each spread in pp with its rank of N
    assert re.search(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", check.tooltip), check.tooltip
    assert re.search(r"[+-]\d+\.\d\d pp · rank [\d,]+ of [\d,]+", check.tooltip), check.tooltip
    # the 1M preset moved every time-series chart to the same month-long window
    windows = {tuple(r) for r in check.ranges.values()}
    assert len(windows) == 1, check.ranges
    start, end = (s[:10] for s in next(iter(windows)))
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
    assert 28 <= days <= 33, (start, end)
    # and the y axes fitted the month: the spreads' narrower than over the last year, no axis wider
    # (an axis whose series has no value in the month, e.g. stale correlations, keeps its range)
    before, after = check.y_ranges["small_vs_large"]
    assert after[1] - after[0] < before[1] - before[0], (before, after)
    for name, (before, after) in check.y_ranges.items():
        assert after[1] - after[0] <= (before[1] - before[0]) * 1.01, (name, before, after)
    assert check.pair_switch[0] != check.pair_switch[1] and all(check.pair_switch), check.pair_switch
    assert check.rrg_frames[0] != check.rrg_frames[1], check.rrg_frames
    assert ("SYNTHETIC DATA" in check.banner) is synthetic
    assert check.load_seconds < 60
    for shot in check.screenshots:
        assert shot.stat().st_size > 10_000, shot
    return check


def test_the_sample_report_is_interactive_offline(sample_warehouse):
    settings, run = sample_warehouse
    assert "reports/rotation_report" in run.materialized
    check_page(settings.reports_dir / "rotation_report.html", "sample", synthetic=True)
