"""Small static previews of the report's charts, for the Dagster asset's metadata.

The Dagster UI cannot run the page's plotly.js, so each chart gets a PNG preview: the line traces of
its plotly figure (the same data as the interactive chart, the last :data:`PREVIEW_YEARS` years of a
time series) drawn by matplotlib's Agg backend, one panel per subplot. Why matplotlib and not plotly's
own image export: that needs kaleido, which drives a Chrome the build machine may not have (and,
offline, cannot download); matplotlib draws without a browser, in well under a second per chart.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from warehouse.report.formatting import SYNTHETIC_MARK  # noqa: E402

PREVIEW_SIZE = (6.0, 3.4)  # inches at PREVIEW_DPI: 600 × 340 px
PREVIEW_DPI = 100
PREVIEW_YEARS = 3


def _lines(fig: dict) -> list[dict]:
    """The visible line traces of a figure dict."""
    return [
        t
        for t in fig.get("data", [])
        if t.get("type", "scatter") == "scatter"
        and t.get("visible", True) is True
        and "lines" in t.get("mode", "lines")
        and t.get("y") is not None
        and ("x" in t or "dates_ref" in t)
    ]


def _array(values: object, dtype: str) -> np.ndarray:
    if isinstance(values, dict):  # plotly's base64 typed array {"dtype": "f8", "bdata": ...}
        import base64

        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).astype(dtype)
    return np.asarray(values, dtype=dtype)


def preview_png(fig: dict, title: str, calendars: dict[str, list[str]] | None = None) -> bytes:
    """A PNG of the figure's visible line traces, one panel per y axis."""
    meta = fig.get("layout", {}).get("meta", {})
    time_series = bool(meta.get("time_series"))
    traces = _lines(fig)
    axes = sorted({t.get("yaxis", "y") for t in traces}, key=lambda a: int(a[1:] or 1))
    out = Figure(figsize=PREVIEW_SIZE, dpi=PREVIEW_DPI)
    out.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.09, hspace=0.25)
    if not traces:
        ax = out.add_subplot()
        ax.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=14, color="#888888")
        ax.set_axis_off()
    else:
        panels = out.subplots(len(axes), 1, sharex=time_series, squeeze=False)[:, 0]
        for ax_name, ax in zip(axes, panels, strict=True):
            for t in (t for t in traces if t.get("yaxis", "y") == ax_name):
                y = _array(t["y"], "float64")
                if time_series:
                    x = _array(t["x"] if "x" in t else (calendars or {})[t["dates_ref"]], "datetime64[D]")
                    keep = x >= x.max() - np.timedelta64(365 * PREVIEW_YEARS, "D")
                    x, y = x[keep], y[keep]
                else:
                    x = _array(t["x"], "float64")
                line = t.get("line", {})
                ax.plot(
                    x,
                    y,
                    color=line.get("color", "#1f77b4"),
                    linewidth=0.9,
                    drawstyle="steps-post" if line.get("shape") == "hv" else "default",
                )
            ax.grid(True, color="#e5e5e5", linewidth=0.5)
            ax.tick_params(labelsize=7)
            if time_series:
                locator = mdates.AutoDateLocator(maxticks=6)
                ax.xaxis.set_major_locator(locator)
                ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    out.suptitle(title, fontsize=10)
    if meta.get("synthetic"):
        out.text(
            0.5,
            0.5,
            SYNTHETIC_MARK,
            ha="center",
            va="center",
            rotation=18,
            fontsize=30,
            color="#d62728",
            alpha=0.2,
        )
    buffer = io.BytesIO()
    try:
        out.savefig(buffer, format="png", dpi=PREVIEW_DPI)
    finally:
        out.clear()
    return buffer.getvalue()
