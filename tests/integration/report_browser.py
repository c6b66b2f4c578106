"""Driving the rotation report in Debian's Chromium (Playwright, ``executable_path``: no browser
download), offline: every request the page makes other than for the file itself is aborted and
recorded, so a page that needs the network fails the checks.

Shared by tests/integration/test_report_browser.py (the sample) and the acceptance test on the real
snapshot; :func:`inspect_report` returns what the page showed, screenshots land in ``shots``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageCheck:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)  # requests other than the report file itself
    charts: dict[str, dict] = field(default_factory=dict)  # chart name -> facts read from its plot
    tooltip: str = ""
    ranges: dict[str, list[str]] = field(default_factory=dict)  # chart -> x range after the 1M preset
    y_ranges: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)  # before/after
    rrg_frames: tuple[str, str] = ("", "")  # the slider's label before and after a step back
    pair_switch: tuple[str, str] = ("", "")  # the explorer's visible trace before and after
    banner: str = ""
    load_seconds: float = 0.0
    screenshots: list[Path] = field(default_factory=list)


CHART_FACTS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  id: gd.id,
  chart: (gd.layout.meta || {}).chart,
  synthetic: !!(gd.layout.meta || {}).synthetic,
  traces: gd.data.length,
  visible: gd.data.filter(t => t.visible !== false).map(t => t.name),
  annotations: (gd.layout.annotations || []).filter(a => a.visible !== false).map(a => a.text),
  x: gd.layout.xaxis && gd.layout.xaxis.range ? gd.layout.xaxis.range.map(String) : null,
  y2: gd.layout.yaxis2 && gd.layout.yaxis2.range ? gd.layout.yaxis2.range : null,
  legend_y: gd.layout.legend ? gd.layout.legend.y : null,
  frames: gd._transitionData && gd._transitionData._frames ? gd._transitionData._frames.length : 0,
  hasDragLayer: !!gd.querySelector('.nsewdrag'),
}))
"""


def inspect_report(html_path: Path, shots: Path, *, prefix: str) -> PageCheck:
    """Open the report offline, screenshot it, hover, change the range, step the rotation graph."""
    import time

    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    check = PageCheck()
    url = html_path.resolve().as_uri()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(60_000)

            def route(r):
                if r.request.url == url:
                    r.continue_()
                else:
                    check.network.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: check.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: check.page_errors.append(str(e)))
            started = time.monotonic()
            page.goto(url)
            page.wait_for_selector("body[data-report-ready='true']", timeout=90_000)
            check.load_seconds = time.monotonic() - started
            banner = page.locator("#synthetic-banner")
            check.banner = banner.inner_text() if banner.count() else ""

            def shot(name: str, locator=None) -> None:
                path = shots / f"{prefix}_{name}.png"
                (locator or page).screenshot(path=path)
                check.screenshots.append(path)

            shot("top")
            for facts in page.evaluate(CHART_FACTS):
                check.charts[facts["chart"]] = facts
            for name in check.charts:
                section = page.locator(f"section#{name}")
                section.scroll_into_view_if_needed()
                page.wait_for_timeout(200)
                shot(name, section)

            # hover the spread panel of the first chart, in the middle of its plot area: the unified tooltip
            gd = page.locator("#chart-small_vs_large")
            gd.scroll_into_view_if_needed()
            box = gd.locator(".nsewdrag[data-subplot='x2y2']").first.bounding_box()
            page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
            tooltip = gd.locator(".hoverlayer .legend, .hoverlayer .hovertext").first
            tooltip.wait_for(timeout=10_000)
            check.tooltip = page.evaluate(
                "() => Array.from(document.querySelectorAll('#chart-small_vs_large .hoverlayer text'))"
                ".map(t => t.textContent).join(' | ')"
            )
            shot("tooltip", page.locator("section#small_vs_large"))

            # the 1M preset on the first chart: every time-series chart follows, y axes refit
            before = {k: v["y2"] for k, v in check.charts.items() if v["y2"]}
            gd.locator(".rangeselector .button", has_text="1M").first.click()
            page.wait_for_timeout(1500)
            after = {f["chart"]: f for f in page.evaluate(CHART_FACTS)}
            check.ranges = {k: v["x"] for k, v in after.items() if v["x"] and k != "relative_rotation"}
            check.y_ranges = {k: (before[k], after[k]["y2"]) for k in before if after[k]["y2"]}
            shot("range_1M", page.locator("section#small_vs_large"))

            # the pair explorer: pick the second pair from its dropdown
            explorer = page.locator("#chart-pair_explorer")
            if explorer.count() and check.charts.get("pair_explorer", {}).get("traces", 0) > 1:
                explorer.scroll_into_view_if_needed()
                visible = "() => document.getElementById('chart-pair_explorer').data.filter(t => t.visible === true).map(t => t.name)[0]"
                first = page.evaluate(visible)
                explorer.locator(".updatemenu-header-group").first.click()
                explorer.locator(".updatemenu-dropdown-button").nth(1).click()
                page.wait_for_timeout(800)
                check.pair_switch = (first, page.evaluate(visible))
                shot("pair_switched", page.locator("section#pair_explorer"))

            # the rotation graph: step the slider one week back with the keyboard-free way, a click
            rrg = page.locator("#chart-relative_rotation")
            if rrg.count() and check.charts.get("relative_rotation", {}).get("frames", 0) > 1:
                rrg.scroll_into_view_if_needed()
                state = (
                    "() => { const gd = document.getElementById('chart-relative_rotation');"
                    " const c = gd.data[0].customdata; return gd._fullLayout.sliders[0].active + ' ' + c[c.length - 1]; }"
                )
                before_label = page.evaluate(state)
                grip = rrg.locator(".slider-grip-rect").bounding_box()
                rail = rrg.locator(".slider-rail-rect").bounding_box()
                page.mouse.click(rail["x"] + rail["width"] * 0.5, grip["y"] + grip["height"] / 2)
                page.wait_for_timeout(800)
                check.rrg_frames = (before_label, page.evaluate(state))
                shot("rrg_stepped", page.locator("section#relative_rotation"))
        finally:
            browser.close()
    return check
