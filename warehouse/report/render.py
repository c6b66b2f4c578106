"""Rendering the report: read the marts, draw the charts, build the page, write the files.

Every file is written atomically (temporary file in the same directory, then ``os.replace``), so a
reader never sees a half-written report.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.report import charts, data, page, preview

HTML_NAME = "rotation_report.html"
CHARTS_DIR = "charts"  # the static previews, <name>.png


@dataclass(frozen=True)
class Report:
    """What :func:`render_report` wrote."""

    html_path: Path
    charts: dict[str, Path]  # chart name -> static PNG preview, in the order of CHART_NAMES
    as_of: dt.date | None  # max(date) of marts.rotation_daily; None when it is empty
    warnings: list[str]
    size_bytes: int = 0  # of the HTML page
    seconds: float = 0.0  # drawing and building the page (reading the marts excluded)
    preview_seconds: float = 0.0  # the static PNG previews (matplotlib), which the page does not use


def _write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file next to ``path`` and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # a report is for reading: not mkstemp's owner-only 0600
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_report(
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, subtitle: str = "", synthetic: bool = False
) -> Report:
    """Render the rotation report from the marts in ``con`` into ``out_dir``.

    Every chart covers the whole history (it opens on the last year; presets and zoom choose any
    window). ``synthetic`` (the sample source) puts a banner on the page and a mark on every chart.

    Raises ``ValueError`` when a mart table (or a column the report reads) is missing.
    """
    return render_marts(data.read(con), out_dir, subtitle=subtitle, synthetic=synthetic)


def render_serving(serving_db: Path, out_dir: Path, *, subtitle: str = "", synthetic: bool = False) -> Report:
    """:func:`render_report` from the serving file, opened read-only."""
    return render_marts(data.read_serving(serving_db), out_dir, subtitle=subtitle, synthetic=synthetic)


def render_marts(marts: data.Marts, out_dir: Path, *, subtitle: str = "", synthetic: bool = False) -> Report:
    """Render the report from frames already read (:func:`warehouse.report.data.read`)."""
    started = time.perf_counter()
    daily, episodes = marts.daily, marts.episodes
    warnings: list[str] = []
    warn = warnings.append
    if daily.empty:
        warn(f"{data.table(data.Daily.MART)} has no rows: the latest reading is empty")
    as_of = data.to_date(daily[data.Daily.DATE].max()) if not daily.empty else None

    drawn = charts.draw(
        daily,
        episodes,
        marts.rotation,
        marts.performance,
        warn,
        cpi_releases=marts.cpi_releases,
        synthetic=synthetic,
    )
    sources = page.Sources()
    headline = page.headline(daily, episodes, sources)
    document = page.page(
        subtitle=subtitle,
        as_of=as_of,
        headline_html=headline,
        latest=page.latest_reading(daily),
        episodes=page.episodes_html(episodes),
        glossary_html=page.glossary(sources),
        figures=drawn.figures,
        calendars=drawn.calendars,
        warnings=warnings,
        generated=dt.datetime.now(dt.UTC),
        synthetic=synthetic,
    ).encode("utf-8")
    seconds = time.perf_counter() - started

    started = time.perf_counter()
    out_dir = Path(out_dir)
    charts_dir = out_dir / CHARTS_DIR
    charts_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, fig in drawn.figures.items():
        paths[name] = charts_dir / f"{name}.png"
        _write_atomic(paths[name], preview.preview_png(fig, charts.CHART_TITLES[name], drawn.calendars))
    preview_seconds = time.perf_counter() - started
    html_path = out_dir / HTML_NAME
    _write_atomic(html_path, document)
    return Report(
        html_path=html_path,
        charts=paths,
        as_of=as_of,
        warnings=warnings,
        size_bytes=len(document),
        seconds=seconds,
        preview_seconds=preview_seconds,
    )
