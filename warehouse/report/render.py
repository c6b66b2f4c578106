"""Rendering the report: read the marts, draw the charts, build the page, write the files.

Every file is written atomically (temporary file in the same directory, then ``os.replace``), so a
reader never sees a half-written report.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.report import charts, data, page

HTML_NAME = "rotation_report.html"
CHARTS_DIR = "charts"
RECENT_YEARS = 3  # the span of the time-series charts


@dataclass(frozen=True)
class Report:
    """What :func:`render_report` wrote."""

    html_path: Path
    charts: dict[str, Path]  # chart name -> PNG path, in the order of CHART_NAMES
    as_of: dt.date | None  # max(date) of marts.rotation_daily; None when it is empty
    warnings: list[str]


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
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, subtitle: str = "", years: int = RECENT_YEARS
) -> Report:
    """Render the rotation report from the marts in ``con`` into ``out_dir``.

    The time-series charts show the last ``years`` years up to the latest date (the whole history is
    too dense to read day by day); the tables and the relative rotation graph are not cut.

    Raises ``ValueError`` when a mart table (or a column the report reads) is missing.
    """
    return render_marts(data.read(con), out_dir, subtitle=subtitle, years=years)


def render_serving(
    serving_db: Path, out_dir: Path, *, subtitle: str = "", years: int = RECENT_YEARS
) -> Report:
    """:func:`render_report` from the serving file, opened read-only."""
    return render_marts(data.read_serving(serving_db), out_dir, subtitle=subtitle, years=years)


def render_marts(
    marts: data.Marts, out_dir: Path, *, subtitle: str = "", years: int = RECENT_YEARS
) -> Report:
    """Render the report from frames already read (:func:`warehouse.report.data.read`)."""
    daily, episodes = marts.daily, marts.episodes
    warnings: list[str] = []
    warn = warnings.append
    if daily.empty:
        warn(f"{data.table(data.Daily.MART)} has no rows: the latest reading is empty")
    as_of = data.to_date(daily[data.Daily.DATE].max()) if not daily.empty else None

    recent = daily
    if as_of is not None:
        since = pd.Timestamp(as_of) - pd.DateOffset(years=years)
        recent = daily[pd.to_datetime(daily[data.Daily.DATE]) > since].reset_index(drop=True)
    pngs = charts.draw(recent, episodes, marts.rotation, warn)

    out_dir = Path(out_dir)
    charts_dir = out_dir / CHARTS_DIR
    charts_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, png in pngs.items():
        paths[name] = charts_dir / f"{name}.png"
        _write_atomic(paths[name], png)

    document = page.page(
        subtitle=subtitle,
        as_of=as_of,
        latest=page.latest_reading(daily),
        episodes=page.episodes_html(episodes),
        pngs=pngs,
        warnings=warnings,
        generated=dt.datetime.now(dt.UTC),
    )
    html_path = out_dir / HTML_NAME
    _write_atomic(html_path, document.encode("utf-8"))
    return Report(html_path=html_path, charts=paths, as_of=as_of, warnings=warnings)
