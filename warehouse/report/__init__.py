"""An interactive HTML report of the rotation marts (pure rendering: read, draw, write).

:func:`render_report` reads five dbt marts from an open DuckDB connection
(``marts.rotation_daily``, ``marts.rotation_episodes``, ``marts.relative_rotation``,
``marts.relative_performance``, and ``marts.event_calendar``'s CPI releases) and writes

* ``<out_dir>/rotation_report.html``, a single self-contained file: plotly figures with plotly.js
  inlined once, so it can be mailed or opened offline (no network at view time), and
* ``<out_dir>/charts/<name>.png``, a small static preview of each chart of :data:`CHART_NAMES` (for
  the Dagster asset's metadata).

One job per module:

* :mod:`~warehouse.report.data`: what is read from serving (the marts, the columns of each, checked
  against the marts' dbt contracts) and the frames it comes as; the only module naming mart columns;
* :mod:`~warehouse.report.charts`: the charts, plotly figures from those frames;
* :mod:`~warehouse.report.formatting`: numbers and units as text, the names of the series;
* :mod:`~warehouse.report.page`: the HTML page (headline, charts, tables, glossary, the page script);
* :mod:`~warehouse.report.preview`: the static PNG previews (matplotlib);
* :mod:`~warehouse.report.render`: the whole, and the atomic writes of the files.

Empty tables and all-null columns never crash the report: the chart says "no data" and a warning is
returned in :attr:`Report.warnings`.
"""

from warehouse.report.charts import CHART_NAMES, rrg_tails
from warehouse.report.formatting import fmt_date, fmt_int, fmt_num, fmt_pct, fmt_pp, fmt_rank
from warehouse.report.render import HTML_NAME, Report, render_marts, render_report, render_serving

__all__ = [
    "CHART_NAMES",
    "HTML_NAME",
    "Report",
    "fmt_date",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "fmt_pp",
    "fmt_rank",
    "render_marts",
    "render_report",
    "render_serving",
    "rrg_tails",
]
