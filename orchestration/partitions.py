"""Time partitions of the ingestion assets, and the date window a run covers.

Every raw asset is partitioned by calendar month: prices, FRED rates and Fama-French factors by the
date of the row, CFTC positioning by the report date (the Tuesday the positions are as of), from the
month of the first TFF report (2006-06). Partitions start at ROTATION_START_DATE; in ``sample`` mode
they end with the generated world (2024-12-31), otherwise the current month is the last partition
(``end_offset=1``: the schedules refresh the month in progress).

Months, not report weeks, for the CFTC too: Dagster records a planned and a materialization event per
partition of a run, about 7 ms each on its SQLite instance, and ~1,000 report weeks cost a full
build over 10 s more than ~230 months (benchmarks/, docs/performance.md). Reloading a month
reloads its four or five reports, a few hundred rows.
A backfill of any range runs as one run (``BackfillPolicy.single_run``): DuckDB has one writer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dagster import (
    AssetExecutionContext,
    MonthlyPartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

from ingestion.calendar import nyse_trading_days
from ingestion.cftc import FIRST_REPORT
from ingestion.sample import SAMPLE_END
from ingestion.settings import Settings

NEW_YORK = "America/New_York"


def months(settings: Settings, first_day: dt.date | None = None) -> MonthlyPartitionsDefinition:
    """Calendar months from the start date (or ``first_day``, if later), to the sample's end or the
    month in progress."""
    first = max(settings.start_date, first_day or settings.start_date).replace(day=1)
    if settings.synthetic:
        return MonthlyPartitionsDefinition(
            start_date=first.isoformat(), end_date=_next_month(SAMPLE_END).isoformat(), timezone=NEW_YORK
        )
    return MonthlyPartitionsDefinition(start_date=first.isoformat(), timezone=NEW_YORK, end_offset=1)


def report_months(settings: Settings) -> MonthlyPartitionsDefinition:
    """The CFTC's partitions: months of report dates, from the first TFF report (2006-06-13) or the
    start date, whichever is later."""
    return months(settings, FIRST_REPORT)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Window:
    """The dates a run loads: ``start`` up to ``end`` (exclusive; None: open), and how many NYSE
    sessions it has up to today (0: nothing to expect, the load succeeds with zero rows)."""

    start: dt.date
    end: dt.date | None
    sessions: int
    label: str  # the partition key or range, for logs

    def __str__(self) -> str:
        end = f"{self.end}" if self.end else "open end"
        return f"{self.label} ({self.start}..{end}, exclusive; {self.sessions} NYSE sessions so far)"


def run_window(context: AssetExecutionContext, settings: Settings, today: dt.date | None = None) -> Window:
    """The window of this run: its partition or partition range (a single-run backfill), cut to
    ROTATION_START_DATE, open-ended when it reaches the present; the whole history from the start
    date for an unpartitioned run."""
    today = today or dt.datetime.now(ZoneInfo(NEW_YORK)).date()
    if context.has_partition_key_range or context.has_partition_key:
        time_window = context.partition_time_window
        start = max(time_window.start.date(), settings.start_date)
        end = time_window.end.date()
        if end > today:
            # The partition in progress is open-ended: rows dated after it can only be future-dated
            # errors, and they must reach raw so the gate stops them rather than vanish.
            end = None
        keys = context.partition_key_range
        label = keys.start if keys.start == keys.end else f"{keys.start}...{keys.end}"
    else:
        start, end, label = settings.start_date, None, "all dates"
    return Window(start=start, end=end, sessions=sessions_so_far(start, end, today), label=label)


def batch_window(start: dt.date, end: dt.date, today: dt.date | None = None) -> Window:
    """The window of a batch whose source decides its dates (estimate captures: [first, last + 1))."""
    today = today or dt.datetime.now(ZoneInfo(NEW_YORK)).date()
    label = (
        f"captures {start}"
        if end - start == dt.timedelta(days=1)
        else f"captures {start}...{end - dt.timedelta(days=1)}"
    )
    return Window(start=start, end=end, sessions=sessions_so_far(start, end, today), label=label)


def sessions_so_far(start: dt.date, end: dt.date | None, today: dt.date) -> int:
    """NYSE sessions from ``start`` up to ``end`` (exclusive) that have happened by ``today``."""
    last = min(end - dt.timedelta(days=1), today) if end else today
    return len(nyse_trading_days(start, last)) if last >= start else 0


def partition_of(partitions: TimeWindowPartitionsDefinition, day: dt.date) -> str:
    """The key of the partition holding ``day`` (e.g. the month in progress for the daily schedule)."""
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(NEW_YORK))
    return partitions.get_partition_key_for_timestamp(moment.timestamp())


PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"


def partition_range_tags(keys: list[str]) -> dict[str, str]:
    """Run tags making one run cover ``keys[0]..keys[-1]`` (a single-run backfill)."""
    return {PARTITION_RANGE_START: keys[0], PARTITION_RANGE_END: keys[-1]}
