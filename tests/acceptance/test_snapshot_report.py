"""The rotation report of a fresh build on the real snapshot, opened in Chromium offline: the same
browser checks as on the sample (tests/integration/test_report_browser.py), without the synthetic
marks; screenshots in tests/output/report/snapshot_*.png."""

from __future__ import annotations

import pytest

from tests.integration.test_report_browser import check_page

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]


def test_the_snapshot_report_is_interactive_offline(snapshot_warehouse):
    settings, run = snapshot_warehouse
    assert "reports/rotation_report" in run.materialized
    html = settings.reports_dir / "rotation_report.html"
    check_page(html, "snapshot", synthetic=False)
    page = html.read_text(encoding="utf-8")
    assert "synthetic-banner" not in page
    assert 1_000_000 < html.stat().st_size < 15_000_000
