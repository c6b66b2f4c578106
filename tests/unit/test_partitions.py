"""Partitions of the ingestion assets, the schedules' partition choices, and the run window."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dagster import build_schedule_context

from ingestion.settings import Settings
from orchestration import partitions
from orchestration.definitions import build_definitions
from orchestration.partitions import PARTITION_RANGE_END, PARTITION_RANGE_START

NY = ZoneInfo("America/New_York")


def settings(source: str = "sample", start: str | None = None) -> Settings:
    env = {"ROTATION_SOURCE": source}
    if start:
        env["ROTATION_START_DATE"] = start
    if source == "snapshot":
        env["ROTATION_SNAPSHOT_DIR"] = "."
    return Settings.from_env(env)


def test_sample_partitions_span_the_generated_world_only():
    months = partitions.months(settings("sample"))
    keys = months.get_partition_keys()
    assert (keys[0], keys[-1], len(keys)) == ("2000-01-01", "2024-12-01", 300)
    report_months = partitions.report_months(settings("sample")).get_partition_keys()
    # from the month of the first TFF report (2006-06-13) to the last sample report (2024-12-31)
    assert (report_months[0], report_months[-1], len(report_months)) == ("2006-06-01", "2024-12-01", 223)


def test_live_partitions_start_at_the_start_date_and_end_with_the_period_in_progress():
    s = settings("live", start="2019-03-15")
    months = partitions.months(s)
    now = dt.datetime.now(NY)
    assert months.get_partition_keys()[0] == "2019-03-01"
    assert months.get_partition_keys()[-1] == f"{now:%Y-%m}-01"  # the month in progress
    report_months = partitions.report_months(s).get_partition_keys()
    assert (report_months[0], report_months[-1]) == ("2019-03-01", f"{now:%Y-%m}-01")
    early = partitions.report_months(settings("live", start="1990-01-01")).get_partition_keys()
    assert early[0] == "2006-06-01", "no partitions before the first TFF report"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Wednesday 2024-07-17 18:30 New York: the month in progress only.
        (dt.datetime(2024, 7, 17, 18, 30, tzinfo=NY), ("2024-07-01", "2024-07-01")),
        # Tuesday 2024-07-02: the first days of a month also reload the previous one.
        (dt.datetime(2024, 7, 2, 18, 30, tzinfo=NY), ("2024-06-01", "2024-07-01")),
    ],
)
def test_daily_schedule_reloads_the_month_in_progress(when, expected):
    defs = build_definitions(settings("sample"))
    schedule = defs.resolve_schedule_def("daily_after_us_close")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 18 * * 1-5", "America/New_York")
    assert schedule.job_name == "prices_and_rates"
    request = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=when)).run_requests[0]
    assert (request.tags[PARTITION_RANGE_START], request.tags[PARTITION_RANGE_END]) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Friday 2024-07-12: this week's report is as of Tuesday 07-09, last week's (07-02) came out
        # late, on Monday 07-08, after the previous Friday's run: both in July.
        (dt.datetime(2024, 7, 12, 17, 0, tzinfo=NY), ("2024-07-01", "2024-07-01")),
        # Friday 2024-08-09: this week's report (08-06) in August, last week's (07-30) in July.
        (dt.datetime(2024, 8, 9, 17, 0, tzinfo=NY), ("2024-07-01", "2024-08-01")),
        # Friday 2024-08-02: both reports (07-30, 07-23) in July.
        (dt.datetime(2024, 8, 2, 17, 0, tzinfo=NY), ("2024-07-01", "2024-07-01")),
    ],
)
def test_weekly_schedule_reloads_the_months_of_this_and_last_weeks_reports(when, expected):
    defs = build_definitions(settings("sample"))
    schedule = defs.resolve_schedule_def("weekly_after_cftc_release")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 17 * * 5", "America/New_York")
    assert schedule.job_name == "positioning"
    request = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=when)).run_requests[0]
    assert (request.tags[PARTITION_RANGE_START], request.tags[PARTITION_RANGE_END]) == expected


def test_partitioned_jobs_and_backfill_policy():
    defs = build_definitions(settings("sample"))
    for name, kind in [
        ("prices_and_rates", "Monthly"),
        ("positioning", "Monthly"),
        ("ingest_positioning", "Monthly"),
    ]:
        assert type(defs.resolve_job_def(name).partitions_def).__name__ == f"{kind}PartitionsDefinition"
    assert defs.resolve_job_def("marts_and_serving").partitions_def is None
    raw_assets = [a for a in defs.assets if len(a.keys) == 1 and a.key.path[0] == "raw"]
    assert len(raw_assets) == 6
    # estimate captures and share counts are of the day they run: not partitioned
    unpartitioned = sorted(a.key.to_user_string() for a in raw_assets if a.partitions_def is None)
    assert unpartitioned == ["raw/estimate_snapshots", "raw/shares_outstanding"]
    for asset in raw_assets:
        policy = asset.backfill_policy
        assert policy is not None and policy.max_partitions_per_run is None, "a backfill is one run"


@pytest.mark.parametrize(
    ("start", "end", "today", "expected"),
    [
        (dt.date(2024, 7, 4), dt.date(2024, 7, 5), dt.date(2024, 7, 20), 0),  # Independence Day
        (dt.date(2024, 7, 6), dt.date(2024, 7, 8), dt.date(2024, 7, 20), 0),  # a weekend
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2026, 11, 1), 0),  # a month begun on Sunday
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2026, 11, 4), 3),  # Mon..Wed so far
        (dt.date(2024, 7, 1), dt.date(2024, 8, 1), dt.date(2025, 1, 1), 22),  # 23 weekdays less the 4th
    ],
)
def test_sessions_so_far(start, end, today, expected):
    assert partitions.sessions_so_far(start, end, today) == expected
