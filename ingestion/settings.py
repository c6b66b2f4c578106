"""The one place that reads the ROTATION_* environment variables.

Every path is resolved to an absolute path once, here: dbt runs with its project folder as working
directory, Dagster with the repository root, tests in temporary folders; all must see the same files.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ingestion.errors import cause_and_fix, snapshot_dir_missing

REPO_ROOT = Path(__file__).resolve().parent.parent
# The dbt project: the repository's, or ROTATION_DBT_PROJECT_DIR, a copy with other seeds (the scale
# benchmark's thousands of tickers) so a bigger universe never touches the repository's seeds. Its
# seeds define the universe (ingestion reads them, dbt builds from them). Read once, at import:
# dagster-dbt's project object and the seed paths are fixed for the process.
DBT_PROJECT_DIR = Path(os.environ.get("ROTATION_DBT_PROJECT_DIR") or REPO_ROOT / "dbt_project").resolve()
SOURCES = ("sample", "snapshot", "live")
# ROTATION_ENGINE: what builds the dbt models. duckdb: dbt-duckdb on the build file (rotation.duckdb);
# spark: dbt-spark (profile target ``spark``) on the raw tables exported to the lake (docs/spark.md).
ENGINES = ("duckdb", "spark")
DEFAULT_START = {"sample": dt.date(2000, 1, 3), "snapshot": dt.date(1980, 1, 1), "live": dt.date(1980, 1, 1)}


class SettingsError(ValueError):
    """A ROTATION_* setting is wrong; the message (one line: ``<cause> — fix: <what to set>``) says
    which, what came and how to fix it."""


@dataclass(frozen=True)
class Settings:
    source: str  # ROTATION_SOURCE: sample | snapshot | live
    home: Path  # ROTATION_HOME: landing/, rotation.duckdb, serving.duckdb, reports/, parquet/
    snapshot_dir: Path  # ROTATION_SNAPSHOT_DIR
    start_date: dt.date  # ROTATION_START_DATE
    # ROTATION_ALLOW_REMOVALS: the removals a load may make (see ``removals_allowed``): raw table
    # names (``prices``) or table:item (``prices:IWM``), comma separated; empty: none.
    allow_removals: tuple[str, ...] = ()
    engine: str = "duckdb"  # ROTATION_ENGINE: duckdb | spark

    def removals_allowed(self, table: str) -> frozenset[str]:
        """The items of raw table ``table`` whose rows a load may remove when upstream no longer
        delivers them (``{"*"}``: every item; empty: none, the load keeps such rows and the
        removals gate fails). From ROTATION_ALLOW_REMOVALS."""
        allowed: set[str] = set()
        for entry in self.allow_removals:
            name, _, item = entry.partition(":")
            if name == table:
                allowed.add(item or "*")
        return frozenset(allowed)

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def build_db(self) -> Path:
        """The build file: Dagster (and dbt as its subprocess) is its only writer."""
        return self.home / "rotation.duckdb"

    @property
    def serving_db(self) -> Path:
        """The published file BI tools and analysts open read-only."""
        return self.home / "serving.duckdb"

    @property
    def reports_dir(self) -> Path:
        """The rendered report (rotation_report.html) and its charts/."""
        return self.home / "reports"

    @property
    def parquet_dir(self) -> Path:
        """One Parquet file per mart (<mart>.parquet), exported from serving.duckdb after each publish."""
        return self.home / "parquet"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance that describes this warehouse (its runs, materializations and check
        results), beside it: the default DAGSTER_HOME of ``rotation run`` and ``make ui``, so a UI
        opened on a built warehouse shows that warehouse's history. An explicit DAGSTER_HOME wins
        (several warehouses may share one; each run is tagged with its ROTATION_HOME)."""
        return self.home / "dagster"

    @property
    def dbt_state_dir(self) -> Path:
        """dbt's parse state (partial_parse.msgpack) after this warehouse's last dbt build: the next
        build starts from it and parses only files changed since. It is per warehouse because it
        records the build file's path (another warehouse's state means a parse from scratch), and per
        engine because it records the profile's target (dbt_state/spark/ for Spark's)."""
        return self.home / "dbt_state" / "spark" if self.engine == "spark" else self.home / "dbt_state"

    @property
    def spark_dir(self) -> Path:
        """Spark's own files when ROTATION_ENGINE=spark: its warehouse folder (``warehouse/``, a
        folder per schema, ``marts.db/<mart>/`` of Parquet files) and the Derby metastore
        (``metastore_db/``) of the local session dbt-spark starts (dbt_project/profiles.yml)."""
        return self.home / "spark"

    @property
    def spark_warehouse_dir(self) -> Path:
        """Spark's warehouse folder: the tables dbt builds on Spark, ``<schema>.db/<table>/``."""
        return self.spark_dir / "warehouse"

    @property
    def lake_dir(self) -> Path:
        """The raw tables as Parquet, ``raw/<table>/month=YYYY-MM/`` (warehouse/lake.py), exported
        from the build file after their gates passed: what dbt on Spark reads."""
        return self.home / "lake"

    @property
    def synthetic(self) -> bool:
        return self.source == "sample"

    @property
    def dbt_target(self) -> str:
        """The output of dbt_project/profiles.yml dbt builds with: ``build`` (DuckDB) or ``spark``."""
        return "spark" if self.engine == "spark" else "build"

    def dbt_env(self) -> dict[str, str]:
        """Environment dbt's profiles.yml reads (it runs as a subprocess with its own cwd): the build
        file's path, and for the spark target Spark's folder and the lake."""
        return {
            "ROTATION_BUILD_DB": str(self.build_db),
            "ROTATION_SPARK_DIR": str(self.spark_dir),
            "ROTATION_LAKE_DIR": str(self.lake_dir),
        }

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        source = env.get("ROTATION_SOURCE", "sample").strip().lower() or "sample"
        if source not in SOURCES:
            raise SettingsError(
                cause_and_fix(
                    f"ROTATION_SOURCE={env.get('ROTATION_SOURCE')!r} is not one of {', '.join(SOURCES)}",
                    "unset it for the generated sample, or set ROTATION_SOURCE=snapshot (files in "
                    "ROTATION_SNAPSHOT_DIR) or ROTATION_SOURCE=live (downloads; needs the network)",
                )
            )
        home = Path(env.get("ROTATION_HOME") or REPO_ROOT / "warehouse").expanduser().resolve()
        snapshot_dir = (
            Path(env.get("ROTATION_SNAPSHOT_DIR") or REPO_ROOT.parent / "shared" / "data" / "snapshot")
            .expanduser()
            .resolve()
        )
        raw_start = env.get("ROTATION_START_DATE", "").strip()
        try:
            start = dt.date.fromisoformat(raw_start) if raw_start else DEFAULT_START[source]
        except ValueError:
            raise SettingsError(
                cause_and_fix(
                    f"ROTATION_START_DATE={raw_start!r} is not a date",
                    "use YYYY-MM-DD, e.g. ROTATION_START_DATE=1980-01-01, or unset it for the default",
                )
            ) from None
        if source == "snapshot" and not snapshot_dir.is_dir():
            raise SettingsError(snapshot_dir_missing(snapshot_dir))
        return cls(
            source=source,
            home=home,
            snapshot_dir=snapshot_dir,
            start_date=start,
            allow_removals=parse_allow_removals(env.get("ROTATION_ALLOW_REMOVALS", "")),
            engine=engine_from_env(env),
        )


def engine_from_env(environ: dict[str, str] | None = None) -> str:
    """ROTATION_ENGINE (duckdb by default), checked: one line naming what came when it is neither.

    Also read on its own when Dagster's definitions are imported (orchestration/dbt_project.py):
    which manifest the dbt assets load and whether the dbt step takes the DuckDB writer slot are
    fixed for the process, as ROTATION_DBT_PROJECT_DIR is."""
    env = os.environ if environ is None else environ
    engine = env.get("ROTATION_ENGINE", "duckdb").strip().lower() or "duckdb"
    if engine not in ENGINES:
        raise SettingsError(
            cause_and_fix(
                f"ROTATION_ENGINE={env.get('ROTATION_ENGINE')!r} is not one of {', '.join(ENGINES)}",
                "unset it to build the marts with DuckDB, or set ROTATION_ENGINE=spark to build them "
                "with dbt-spark on a local Spark session (docs/spark.md)",
            )
        )
    return engine


RAW_TABLE_NAMES = (
    "prices",
    "fred_series",
    "cftc_tff",
    "french_factors",
    "estimate_snapshots",
    "shares_outstanding",
)


def parse_allow_removals(value: str) -> tuple[str, ...]:
    """ROTATION_ALLOW_REMOVALS: comma-separated ``table`` or ``table:item`` (raw table names without
    the schema: prices, fred_series, cftc_tff, french_factors, estimate_snapshots,
    shares_outstanding). An unknown table is an error: a misspelt decision must not pass unnoticed."""
    entries = tuple(e.strip() for e in value.split(",") if e.strip())
    for entry in entries:
        table, _, item = entry.partition(":")
        if table not in RAW_TABLE_NAMES or (":" in entry and not item):
            raise SettingsError(
                cause_and_fix(
                    f"ROTATION_ALLOW_REMOVALS entry {entry!r} is not a raw table or table:item",
                    f"name a table of {', '.join(RAW_TABLE_NAMES)}, optionally with an item "
                    "(e.g. ROTATION_ALLOW_REMOVALS=prices:IWM), or unset it",
                )
            )
    return entries
