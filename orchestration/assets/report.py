"""The rotation report: a static HTML page with charts, rendered from what serving.duckdb publishes."""

import base64
import io

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from PIL import Image

from orchestration.assets.serving import SERVING
from orchestration.resources import WarehouseResource
from warehouse.report import render_serving

REPORT = AssetKey(["reports", "rotation_report"])
PREVIEW_WIDTH = 550  # px: previews in the event log stay small; the full charts are files


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
        "rotation_report.html in $ROTATION_HOME/reports: the latest reading of marts.rotation_daily, the "
        "largest ^RUT/^GSPC episodes, and five charts (small vs large relative strength with episodes "
        "shaded, spread percentile, correlation with the 2-year yield, Russell vs Nasdaq positioning "
        "percentiles, relative rotation of size and style segments). Read from serving.duckdb, so it "
        "shows exactly what was published. Previews of the charts are in this asset's metadata."
    ),
)
def rotation_report(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    settings = warehouse.settings()
    subtitle = f"source: {settings.source}" + (" (synthetic data)" if settings.synthetic else "")
    report = render_serving(settings.serving_db, settings.reports_dir, subtitle=subtitle)
    for warning in report.warnings:
        context.log.warning(f"report: {warning}")
    context.log.info(f"report as of {report.as_of}: {report.html_path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(report.html_path)),
            "as_of": str(report.as_of) if report.as_of else None,
            "warnings": MetadataValue.md("\n".join(f"- {w}" for w in report.warnings) or "none"),
            **{
                f"preview_{name}": MetadataValue.md(preview_markdown(path, name.replace("_", " ")))
                for name, path in report.charts.items()
            },
        }
    )
