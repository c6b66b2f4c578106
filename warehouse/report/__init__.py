"""A static HTML report of the rotation marts, with PNG charts (pure rendering: read, draw, write).

:func:`render_report` reads three dbt marts from an open DuckDB connection
(``marts.rotation_daily``, ``marts.rotation_episodes``, ``marts.relative_rotation``) and writes

* ``<out_dir>/charts/<name>.png`` for each name in :data:`CHART_NAMES`, and
* ``<out_dir>/rotation_report.html``, a single self-contained file: the same PNGs are embedded as
  base64 ``data:`` URIs, so it can be mailed or opened offline.

One job per module:

* :mod:`~warehouse.report.data`: what is read from serving (the marts, the columns of each, checked
  against the marts' dbt contracts) and the frames it comes as; the only module naming mart columns;
* :mod:`~warehouse.report.charts`: the five charts, PNG bytes from those frames;
* :mod:`~warehouse.report.formatting`: numbers and units as text, the names of the series;
* :mod:`~warehouse.report.page`: the HTML page;
* :mod:`~warehouse.report.render`: the whole, and the atomic writes of the files.

Empty tables and all-null columns never crash the report: the chart says "no data" and a warning is
returned in :attr:`Report.warnings`.
"""

from warehouse.report.charts import CHART_NAMES, rrg_tails
from warehouse.report.formatting import fmt_date, fmt_int, fmt_num, fmt_pct
from warehouse.report.render import HTML_NAME, Report, render_marts, render_report, render_serving

__all__ = [
    "CHART_NAMES",
    "HTML_NAME",
    "Report",
    "fmt_date",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "render_marts",
    "render_report",
    "render_serving",
    "rrg_tails",
]
