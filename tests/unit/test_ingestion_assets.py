"""The ingestion asset glue: retries only where they can help, and failures a person can act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dagster import Failure, build_asset_context

from ingestion.landing import UpstreamUnavailableError
from ingestion.yahoo import PriceFileError
from orchestration.assets.ingestion import LIVE_RETRY, ingest, ingestion_assets
from warehouse import raw
from warehouse.settings import Settings


def test_live_fetches_retry_with_backoff_and_offline_sources_do_not():
    live = ingestion_assets(Settings.from_env({"ROTATION_SOURCE": "live"}))
    sample = ingestion_assets(Settings.from_env({"ROTATION_SOURCE": "sample"}))
    assert len(live) == len(sample) == 4
    assert all(a.node_def.retry_policy == LIVE_RETRY for a in live)
    assert LIVE_RETRY.max_retries >= 2 and LIVE_RETRY.backoff is not None
    assert all(a.node_def.retry_policy is None for a in sample)


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"ROTATION_SOURCE": "sample", "ROTATION_HOME": str(tmp_path)})


def test_a_bad_file_fails_without_retry_naming_the_file_and_what_to_do(tmp_path):
    def land(*args, **kwargs):
        raise PriceFileError(tmp_path / "landing" / "IWM.csv", "column Close: expected a number", line=12)

    with build_asset_context() as context, pytest.raises(Failure) as failed:
        ingest(context, _settings(tmp_path), raw.PRICES, land, parse=None)
    message = failed.value.description
    assert "IWM.csv" in message and "line 12" in message and "expected a number" in message
    assert "raw.prices (sample)" in message
    assert "materialize this partition again" in message
    assert failed.value.allow_retries is False, "a broken file does not mend itself: no retry"


def test_an_unreachable_source_is_left_to_the_retry_policy(tmp_path):
    def land(*args, **kwargs):
        raise UpstreamUnavailableError("Yahoo Finance unreachable after 4 attempts")

    with build_asset_context() as context, pytest.raises(UpstreamUnavailableError):
        ingest(context, _settings(tmp_path), raw.PRICES, land, parse=None)


def test_an_unpartitioned_run_covers_everything_from_the_start_date(tmp_path):
    seen = {}

    def land(source, *, landing_dir, snapshot_dir, start_date, end_date):
        seen.update(start=start_date, end=end_date)
        raise UpstreamUnavailableError("stop here")

    with build_asset_context() as context, pytest.raises(UpstreamUnavailableError):
        ingest(context, _settings(tmp_path), raw.PRICES, land, parse=None)
    assert seen == {"start": dt.date(2000, 1, 3), "end": None}
