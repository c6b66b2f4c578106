"""The whole asset graph on the generated sample, in a temporary ROTATION_HOME."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from ingestion.settings import DBT_PROJECT_DIR
from ingestion.sources.prices import symbols as price_symbols
from ingestion.universe import fred_series_ids
from tests.integration.conftest import run_graph, table_checksums

pytestmark = pytest.mark.slow

# rotation_daily columns that are legitimately null on 2024-07-31: none. (The FedWatch probability,
# null there while only the front month priced a meeting, now reads the September contract.)
NULL_ON_SAMPLE: set[str] = set()


@pytest.fixture(scope="module")
def built(sample_warehouse):
    return sample_warehouse


def test_first_run_succeeds_with_every_check_passing(built):
    settings, run = built
    assert run.success, run.failures
    assert run.checks, "no asset checks ran"
    failed = [name for name, passed in run.checks.items() if not passed]
    assert not failed
    assert "raw/prices:great_expectations_gate" in run.checks
    # dbt tests ran as asset checks on the mart too
    assert any(name.startswith("marts/relative_performance:") for name in run.checks)
    assert {"raw/prices", "marts/relative_performance", "serving"} <= run.materialized


def test_each_dbt_table_materialization_carries_its_rows_and_date_window(built):
    """The dbt step's materializations of tables say how many rows and which dates they hold, as the
    table in the build file does (counted here with DuckDB); views carry no count."""
    settings, run = built
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        for key, date_col in (
            ("marts/relative_performance", "date"),
            ("marts/positioning", "report_date"),
            ("marts/rotation_episodes", "start_date"),
        ):
            schema, name = key.split("/")
            rows, first, last = con.execute(
                f"select count(*), min({date_col}), max({date_col}) from {schema}.{name}"
            ).fetchone()
            metadata = run.metadata[key]
            assert metadata["dagster/row_count"].value == rows > 0, key
            assert metadata["date_column"].value == date_col, key
            assert (metadata["first_date"].value, metadata["last_date"].value) == (str(first), str(last)), key
    assert "dagster/row_count" not in run.metadata["staging/stg_yahoo__prices"]  # a view


def test_serving_holds_the_marts_and_is_labelled_synthetic(built):
    settings, _ = built
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        marts = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        rows, pairs, horizons = con.execute(
            "select count(*), count(distinct pair), count(distinct horizon) from marts.relative_performance"
        ).fetchone()
        source, synthetic = con.execute("select source, synthetic from meta.build_info").fetchone()
        schemas = {r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()}
    assert marts == {
        "relative_performance",
        "front_end_rates",
        "rate_sensitivity",
        "positioning",
        "rotation_daily",
        "rotation_episodes",
        "relative_rotation",
        "index_concentration",
        "revisions",
        "event_calendar",
        "factor_returns",
        "implied_volatility",
        "instrument_returns",
    }
    assert rows > 100_000
    # every pair and horizon of the seeds (the sample generates every symbol of the universe)
    seeds = DBT_PROJECT_DIR / "seeds"
    assert pairs == len(pd.read_csv(seeds / "pairs.csv"))
    assert horizons == len(pd.read_csv(seeds / "horizons.csv"))
    assert (source, synthetic) == ("sample", True)
    assert schemas == {"marts", "reference", "meta"}, "serving holds only published schemas"


def test_the_report_is_rendered_from_serving_with_previews_in_metadata(built):
    """The report asset writes the interactive page (every chart, plotly.js inlined once) and a static
    preview of each chart; its metadata carries each preview as a markdown image (what the Dagster UI
    shows), the page's size and its render time."""
    from PIL import Image

    from warehouse.report import CHART_NAMES

    settings, run = built
    assert "reports/rotation_report" in run.materialized
    html_path = settings.reports_dir / "rotation_report.html"
    html = html_path.read_text(encoding="utf-8")
    assert html.count('id="plotly-js-gz"') == 1
    assert html.count("rotationReport.plot(") == len(CHART_NAMES)
    assert 'id="synthetic-banner"' in html  # the sample is synthetic
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        as_of = con.execute("select max(date) from marts.rotation_daily").fetchone()[0]
    assert as_of.isoformat() in html
    metadata = run.metadata["reports/rotation_report"]
    assert metadata["as_of"].value == as_of.isoformat()
    assert metadata["size_mb"].value == pytest.approx(html_path.stat().st_size / 1e6, abs=0.01)
    assert 0 < metadata["render_seconds"].value < 60
    assert run.report_seconds == metadata["render_seconds"].value  # the summary's "rendered in" figure
    for name in CHART_NAMES:
        with Image.open(settings.reports_dir / "charts" / f"{name}.png") as image:
            assert image.width >= 500
        assert metadata[f"preview_{name}"].value.startswith("![")
        assert "(data:image/png;base64," in metadata[f"preview_{name}"].value


def test_rotation_daily_is_complete_on_the_sample(built):
    """Every block of rotation_daily is filled on the sample (which has every symbol, series and
    market), and the sample's scripted July 2024 rotation is flagged as an episode."""
    settings, _ = built
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        daily = con.execute("select * from marts.rotation_daily where date = date '2024-07-31'").df()
        episodes = con.execute(
            "select count(*) from marts.rotation_episodes where pair = '^RUT/^GSPC' "
            "and direction = 'numerator_leads' and start_date between date '2024-07-01' and date '2024-08-31'"
        ).fetchone()[0]
    assert len(daily) == 1
    missing = [c for c in daily.columns if daily[c].isna().all() and c not in NULL_ON_SAMPLE]
    assert not missing, f"null on 2024-07-31: {missing}"
    assert episodes >= 1


def test_serving_marts_equal_build_marts(built):
    settings, _ = built
    assert table_checksums(settings.serving_db) == table_checksums(settings.build_db)


def test_sample_contains_a_sharp_small_cap_rotation(built):
    settings, _ = built
    with duckdb.connect(str(settings.serving_db), read_only=True) as con:
        best = con.execute(
            """
            select date, return_spread from marts.relative_performance
            where pair = '^RUT/^GSPC' and horizon = '5d'
            order by return_spread desc
            limit 1
            """
        ).fetchone()
    assert best[1] > 0.07, f"largest 5d ^RUT-^GSPC spread in the sample is only {best[1]:.3f} on {best[0]}"


def test_second_run_leaves_identical_tables_and_untouched_raw_rows(built):
    settings, _ = built
    before = table_checksums(settings.serving_db)
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        raw_before = con.execute(
            "select count(*), max(loaded_at), count(distinct landing_file) from raw.prices"
        ).fetchone()
    second = run_graph(settings)
    assert second.success, second.failures
    assert table_checksums(settings.serving_db) == before
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        raw_after = con.execute(
            "select count(*), max(loaded_at), count(distinct landing_file) from raw.prices"
        ).fetchone()
        last = con.execute(
            "select rows_inserted, rows_updated, rows_removed, rows_unchanged, rows_in_files "
            "from raw.loads order by loaded_at desc limit 1"
        ).fetchone()
    assert raw_after == raw_before, "reloading the same landing files must change nothing"
    assert last[:3] == (0, 0, 0) and last[3] == last[4]
    landing = settings.home / "landing"
    # one file per requested symbol: the universe and the sample's dated fed funds contracts
    assert len(list((landing / "yahoo").rglob("*.csv"))) == len(price_symbols("sample")), (
        "no file lands twice"
    )
    assert len(list((landing / "fred").rglob("*.csv"))) == len(fred_series_ids("sample"))
    assert len(list((landing / "cftc").rglob("FinFut*.txt"))) == 19  # one file a year, 2006-2024


def test_the_samples_capture_gap_is_reported_by_the_gate_and_never_filled(built):
    """The sample skips its captures of 2024-08-12..16 on purpose: the gate passes and says so,
    raw keeps no rows for those days, and the revisions whose base falls in the gap are null."""
    settings, run = built
    gate = "raw/estimate_snapshots:great_expectations_gate"
    assert run.checks[gate], run.check_descriptions[gate]
    assert "sessions without a capture" in run.check_descriptions[gate]
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        in_gap = con.execute(
            "select count(*) from raw.estimate_snapshots where capture_date between '2024-08-12' and '2024-08-16'"
        ).fetchone()[0]
        around = con.execute(
            "select count(distinct capture_date) from raw.estimate_snapshots "
            "where capture_date in ('2024-08-09', '2024-08-19')"
        ).fetchone()[0]
        after_gap = con.execute(
            "select days_since_previous_capture, revenue_change_7cd from marts.revisions "
            "where symbol = 'AAPL' and period = '0y' and capture_date = '2024-08-19'"
        ).fetchone()
        base_in_gap = con.execute(
            "select count(*), count(revenue_change_30cd) from marts.revisions "
            "where capture_date = '2024-09-16'"  # 30 days back is 2024-08-17: latest capture 08-09
        ).fetchone()
    assert in_gap == 0 and around == 2
    assert after_gap[0] == 10 and after_gap[1] is not None  # 7 days back (08-12) -> 08-09, within 7 days
    assert base_in_gap[0] > 0 and base_in_gap[1] == 0
