"""The rotation report: one interactive, offline HTML page rendered from what serving.duckdb publishes."""

import base64
import io

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from PIL import Image

from orchestration.assets.serving import SERVING
from orchestration.resources import WarehouseResource
from warehouse.report import render_serving

REPORT = AssetKey(["reports", "rotation_report"])
PREVIEW_WIDTH = 550  # px: previews in the event log stay small; the interactive charts are in the page


def preview_markdown(png_path, title: str) -> str:
    """A half-size PNG as a markdown image with a data URI, which the Dagster UI renders inline."""
    with Image.open(png_path) as image:
        height = round(image.height * PREVIEW_WIDTH / image.width)
        buffer = io.BytesIO()
        image.resize((PREVIEW_WIDTH, height), Image.Resampling.LANCZOS).save(
            buffer, format="PNG", optimize=True
        )
    return f"![{title}](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})"


@asset(
    key=REPORT,
    group_name="reports",
    deps=[SERVING],
    kinds={"html"},
    description=(
        "rotation_report.html in $ROTATION_HOME/reports: one self-contained interactive page (plotly.js "
        "inlined, works offline): the latest reading in words with each number linked to its mart column, "
        "and charts over the whole history with range presets: small vs large caps vs tech (spreads, their "
        "percentile, episodes shaded), any pair of marts.relative_performance, rates (2-year yield, "
        "correlations, cut probability, FOMC meetings), CFTC positioning per trader group, cross-asset "
        "confirmation, concentration, and the relative rotation graph with steppable tails. Read from "
        "serving.duckdb, so it shows exactly what was published. Static previews of the charts, the page's "
        "size and its render time are in this asset's metadata."
    ),
)
def rotation_report(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    subtitle = f"source: {settings.source}" + (" (synthetic data)" if settings.synthetic else "")
    report = render_serving(
        settings.serving_db, settings.reports_dir, subtitle=subtitle, synthetic=settings.synthetic
    )
    for warning in report.warnings:
        context.log.warning(f"report: {warning}")
    context.log.info(
        f"report as of {report.as_of}: {report.html_path} ({report.size_bytes / 1e6:.1f} MB, "
        f"page rendered in {report.seconds:.1f} s, previews in {report.preview_seconds:.1f} s)"
    )
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(report.html_path)),
            "as_of": str(report.as_of) if report.as_of else None,
            "size_mb": MetadataValue.float(round(report.size_bytes / 1e6, 2)),
            "render_seconds": MetadataValue.float(round(report.seconds, 2)),
            "preview_seconds": MetadataValue.float(round(report.preview_seconds, 2)),
            "warnings": MetadataValue.md("\n".join(f"- {w}" for w in report.warnings) or "none"),
            **{
                f"preview_{name}": MetadataValue.md(preview_markdown(path, name.replace("_", " ")))
                for name, path in report.charts.items()
            },
        }
    )
