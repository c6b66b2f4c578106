"""The event calendar's inputs (marts.event_calendar): the CPI release seed against known facts and the
BLS's structural rules, the FOMC seed's weekdays, and the CFTC release rule the calendar reads through
raw.cftc_tff.available_at. Expectations are written out here, not read from the seeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ingestion.calendar import cftc_release_time

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


@pytest.fixture(scope="module")
def cpi() -> pd.DataFrame:
    frame = pd.read_csv(SEEDS / "cpi_releases.csv", dtype=str)
    frame["reference_month"] = pd.to_datetime(frame["reference_month"], format="%Y-%m-%d")
    frame["release_date"] = pd.to_datetime(frame["release_date"], format="%Y-%m-%d")
    return frame


@pytest.mark.parametrize(
    ("reference_month", "release_date"),
    [
        ("2024-06-01", "2024-07-11"),  # the June 2024 CPI (BLS Chicago release "issued on July 11, 2024")
        ("2024-05-01", "2024-06-12"),  # released the morning of the June 2024 FOMC decision
        ("2023-12-01", "2024-01-11"),
        ("2024-03-01", "2024-04-10"),
        ("2022-12-01", "2023-01-12"),
        ("2023-06-01", "2023-07-12"),
        ("2024-11-01", "2024-12-11"),
    ],
)
def test_known_cpi_release_dates(cpi, reference_month, release_date):
    row = cpi[cpi["reference_month"] == pd.Timestamp(reference_month)]
    assert len(row) == 1, (
        f"cpi_releases.csv: expected one row for reference month {reference_month}, got {len(row)}"
    )
    got = row["release_date"].iloc[0].date().isoformat()
    assert got == release_date, (
        f"cpi_releases.csv: CPI for {reference_month} expected released {release_date}, got {got}"
    )


def test_one_release_per_month_without_gaps(cpi):
    months = cpi["reference_month"].sort_values().reset_index(drop=True)
    assert (months.dt.day == 1).all(), "reference_month must be a month's first day"
    assert months.is_unique, "one release per reference month"
    expected = pd.date_range(months.iloc[0], months.iloc[-1], freq="MS")
    assert list(months) == list(expected), "the covered reference months must be consecutive (no gap)"
    assert cpi["release_date"].dt.to_period("M").is_unique, "one CPI release per calendar month"


def test_each_release_falls_in_the_month_after_its_reference_month_on_a_weekday(cpi):
    for _, row in cpi.iterrows():
        day = row["release_date"]
        assert day.to_period("M") == row["reference_month"].to_period("M") + 1, (
            f"CPI for {row['reference_month']:%Y-%m}: released {day:%Y-%m-%d}, expected in the following month"
        )
        # the BLS publishes between the 10th and the 15th in these years
        assert 10 <= day.day <= 15, f"CPI release {day:%Y-%m-%d}: expected between the 10th and the 15th"
        assert day.dayofweek < 5, f"CPI release {day:%Y-%m-%d} is a {day:%A}, expected a weekday"


def test_every_cpi_row_names_its_source(cpi):
    assert cpi["source"].notna().all() and cpi["source"].str.startswith("https://").all()


def test_fomc_decisions_fall_on_weekdays_except_the_sunday_of_march_2020():
    fomc = pd.read_csv(SEEDS / "fomc_meetings.csv", parse_dates=["meeting_date"])
    weekend = fomc[fomc["meeting_date"].dt.dayofweek >= 5]
    assert list(weekend["meeting_date"].dt.date) == [dt.date(2020, 3, 15)], weekend


@pytest.mark.parametrize(
    ("report_date", "release"),
    [
        ("2024-07-16", "2024-07-19 15:30"),  # the usual Friday
        ("2024-07-02", "2024-07-08 15:30"),  # Independence Day on Thursday: Monday
        ("2023-11-21", "2023-11-27 15:30"),  # Thanksgiving
    ],
)
def test_the_cftc_release_rule_the_calendar_reads(report_date, release):
    got = cftc_release_time(dt.date.fromisoformat(report_date))
    assert got == pd.Timestamp(release).tz_localize("America/New_York"), (report_date, got)
