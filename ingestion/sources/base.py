"""What declares a source: its raw table and how it lands in each mode (ingestion/sources/__init__.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingestion.landing import LandingBatch
from ingestion.progress import Progress
from ingestion.schema import Column

MODES = ("sample", "snapshot", "live")

# The columns every raw table adds after its own: where each row came from and when it was loaded.
PROVENANCE = (
    Column("source", "varchar", "sample | snapshot | live", not_null=True),
    Column("landing_file", "varchar", "path relative to ROTATION_HOME", not_null=True),
    Column("loaded_at", "timestamptz", "when the row was inserted or last changed", not_null=True),
)


@dataclass(frozen=True)
class RawTable:
    """A raw table: its name, upstream system, its columns (the parser's, ingestion/schema.py) and key."""

    name: str  # table in schema raw
    system: str  # upstream system recorded in raw.loads
    item: str  # the column naming what was requested: symbol, series_id
    columns: tuple[Column, ...]  # the parser's columns (its module's SCHEMA), before the provenance columns
    date: str = "date"  # the date column of the key (item, date)
    keys: tuple[str, ...] = ()  # further key columns: the key is (item, date, *keys)
    # Columns added after the table's first release ("name type default ..."): a build file made
    # before gains them on its next load (existing rows take the default).
    added_columns: tuple[str, ...] = ()
    # Items known to exist only between two dates (dated futures contracts: listed, then expired):
    # item -> (first date, last date). A load window outside an item's dates does not expect it, so an
    # expired contract that delivers nothing there is no missing item. None: no such items.
    item_dates: Callable[[], Mapping[str, tuple[dt.date, dt.date]]] | None = None

    @property
    def qualified(self) -> str:
        return f"raw.{self.name}"

    @property
    def values(self) -> tuple[str, ...]:
        """The columns whose change makes a reloaded row "updated": every column outside the key."""
        key = {self.item, self.date, *self.keys}
        return tuple(c.name for c in self.columns if c.name not in key)

    @property
    def columns_ddl(self) -> str:
        last = len(self.columns) - 1
        return "".join(
            f"\n    {c.ddl}{',' if i < last else ''}" + (f"  -- {c.comment}" if c.comment else "")
            for i, c in enumerate(self.columns)
        )

    @property
    def ddl(self) -> str:
        provenance = "".join(f"\n  , {c.ddl}  -- {c.comment}" for c in PROVENANCE)
        return f"create table if not exists {self.qualified} ({self.columns_ddl}{provenance}\n);"


@dataclass(frozen=True)
class LandingRequest:
    """What a run asks of a source: where to land, where a snapshot is, which dates (live fetches)."""

    landing_dir: Path
    snapshot_dir: Path
    start_date: dt.date
    end_date: dt.date | None = None  # exclusive
    progress: Progress | None = None  # receives throttled progress lines


# A mode's way to land: (what is requested, the request) -> the landed batch
Lander = Callable[[Sequence[str], LandingRequest], LandingBatch]


@dataclass(frozen=True)
class Source:
    """One upstream source, declared once in its own module of ingestion/sources/: the raw table it
    loads, what it requests in each mode (from the seeds, the sample included), how each mode lands
    it, its parser, how its asset is partitioned and what the asset is. Orchestration makes the
    ingestion asset from it; the source's gate is declared beside its suite (expectations.TABLE_SUITES)
    and its staging model reads the dbt source ``raw.<table>`` (tests/unit/test_raw_tables_declared.py
    checks that each is there)."""

    table: RawTable
    requested: Callable[[str], Sequence[str]]  # mode -> the ids asked for
    landers: Mapping[str, Lander]  # one per mode of MODES
    parse: Callable  # (batch, start_date, home, progress=) -> (rows, notes)
    partitions: str | None  # "months", "report_months" (orchestration/partitions.py) or None
    description: str  # the asset's description in Dagster

    def land(
        self,
        mode: str,
        *,
        landing_dir: Path,
        snapshot_dir: Path,
        start_date: dt.date,
        end_date: dt.date | None = None,
        progress: Progress | None = None,
    ) -> LandingBatch:
        """Land this run's files in ``mode`` (sample, snapshot or live)."""
        if mode not in self.landers:
            raise ValueError(f"unknown source {mode!r}; expected {', '.join(MODES[:-1])} or {MODES[-1]}")
        request = LandingRequest(landing_dir, snapshot_dir, start_date, end_date, progress)
        return self.landers[mode](self.requested(mode), request)


def nothing_requested(mode: str) -> Sequence[str]:
    """For a source whose files decide what they hold (the French library's factor files)."""
    return ()
