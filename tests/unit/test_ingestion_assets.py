"""The ingestion asset glue: retries only where they can help, and failures a person can act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import requests
from dagster import Failure, build_asset_context

from ingestion import estimates, fred, fred_fetch, sources, yahoo_batch
from ingestion.errors import OFFLINE_FIX, SnapshotLayoutError
from ingestion.landing import LandingBatch, UpstreamUnavailableError
from ingestion.settings import Settings
from ingestion.yahoo import PriceFileError
from orchestration import cli
from orchestration.assets.ingestion import LIVE_RETRY, ingest, ingestion_assets
from warehouse import db, raw


def test_live_fetches_retry_with_backoff_and_offline_sources_do_not():
    live = ingestion_assets(Settings.from_env({"ROTATION_SOURCE": "live"}))
    sample = ingestion_assets(Settings.from_env({"ROTATION_SOURCE": "sample"}))
    assert len(live) == len(sample) == 6
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

    def land(source, *, landing_dir, snapshot_dir, start_date, end_date, progress):
        seen.update(start=start_date, end=end_date, progress=progress)
        raise UpstreamUnavailableError("stop here")

    with build_asset_context() as context, pytest.raises(UpstreamUnavailableError):
        ingest(context, _settings(tmp_path), raw.PRICES, land, parse=None)
    assert seen.pop("progress") == context.log.info, "progress lines go to the run's log"
    assert seen == {"start": dt.date(2000, 1, 3), "end": None}


# --- errors a person can act on: one line, cause and fix ------------------------------------------


def _live(tmp_path: Path) -> Settings:
    return Settings.from_env({"ROTATION_SOURCE": "live", "ROTATION_HOME": str(tmp_path)})


def test_an_unreachable_live_fetch_fails_with_one_line_naming_upstream_and_the_offline_fix(
    tmp_path, monkeypatch
):
    """The real FRED fetcher, its HTTP call refused (no network), its backoff sleeps skipped."""
    refused = []

    def refuse(url, params=None, timeout=None):
        refused.append(params["id"])
        raise requests.ConnectionError("Failed to establish a new connection: [Errno 111] Connection refused")

    real = fred_fetch.fetch_live_fred
    monkeypatch.setattr(
        fred_fetch, "fetch_live_fred", lambda *a, **k: real(*a, **k, get=refuse, sleep=lambda s: None)
    )
    with build_asset_context() as context, pytest.raises(UpstreamUnavailableError) as failed:
        ingest(context, _live(tmp_path), raw.FRED_SERIES, sources.FRED.land, fred.parse_fred_batch)
    message = str(failed.value)
    assert len(refused) == 4 * 5, "every series tried 4 times"
    assert message.startswith("FRED unreachable after 4 attempts (last error: ConnectionError: ")
    assert " — fix: check the network and retry later, or work offline with ROTATION_SOURCE=sample" in message
    assert "ROTATION_SOURCE=snapshot" in message and "\n" not in message
    assert cli.failure_line(cli.RunReport(False, failures=[f"raw__fred_series: {message}"])) == message


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError(
            "HTTPSConnectionPool(host='query2.finance.yahoo.com'): Max retries exceeded"
        ),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError("timed out"),
    ],
)
def test_a_network_error_escaping_a_live_fetcher_becomes_the_same_one_line(tmp_path, error):
    def land(*args, **kwargs):
        raise error

    with build_asset_context() as context, pytest.raises(UpstreamUnavailableError) as failed:
        ingest(context, _live(tmp_path), raw.PRICES, land, parse=None)
    message = str(failed.value)
    assert message.startswith(f"Yahoo Finance could not be reached ({type(error).__name__}: ")
    assert message.endswith(" — fix: " + OFFLINE_FIX) and "\n" not in message
    assert failed.value.__cause__ is error


def test_a_snapshot_dir_without_yahoo_fails_without_retry_with_the_clis_line(tmp_path):
    (tmp_path / "snap").mkdir()
    settings = Settings.from_env(
        {
            "ROTATION_SOURCE": "snapshot",
            "ROTATION_SNAPSHOT_DIR": str(tmp_path / "snap"),
            "ROTATION_HOME": str(tmp_path),
        }
    )
    with build_asset_context() as context, pytest.raises(Failure) as failed:
        ingest(context, settings, raw.PRICES, sources.PRICES.land, yahoo_batch.parse_batch)
    assert failed.value.allow_retries is False
    with pytest.raises(SnapshotLayoutError) as cli_check:
        cli.preflight(settings)  # what `rotation run` checks before any run
    assert failed.value.description == str(cli_check.value)
    assert failed.value.description.startswith(
        f"ROTATION_SNAPSHOT_DIR={tmp_path / 'snap'} has no yahoo/ folder"
    )


def test_a_batch_that_decides_its_dates_is_cut_to_the_start_date_and_reloads_idempotently(tmp_path):
    """Estimate captures cover their own capture dates; captures before ROTATION_START_DATE are not
    loaded, and loading the same batch again changes nothing."""
    settings = Settings.from_env(
        {"ROTATION_SOURCE": "live", "ROTATION_HOME": str(tmp_path), "ROTATION_START_DATE": "2024-01-01"}
    )
    captures = pd.DataFrame(
        {
            **{column: [None, None] for column in estimates.ESTIMATE_COLUMNS},
            "symbol": ["AAPL", "AAPL"],
            "capture_date": pd.to_datetime(["2023-12-29", "2024-01-02"]),
            "period": ["0y", "0y"],
            "captured_at": pd.to_datetime(["2023-12-29 23:40", "2024-01-02 23:40"], utc=True),
            "revenue_avg": [1e11, 2e11],
            "landing_file": ["a.json", "b.json"],
        }
    )

    def land(source, **kwargs):
        return LandingBatch(
            "yahoo_estimates", "live", ("AAPL",), covers=(dt.date(2023, 12, 29), dt.date(2024, 1, 3))
        )

    def parse(batch, start_date, home, progress=None):
        return captures.copy(), []

    with build_asset_context() as context:
        first = ingest(context, settings, raw.ESTIMATE_SNAPSHOTS, land, parse)
        again = ingest(context, settings, raw.ESTIMATE_SNAPSHOTS, land, parse)
    assert first.metadata["window"].startswith("captures 2024-01-01...2024-01-02 ")
    assert (first.metadata["rows_inserted"], first.metadata["rows_removed"]) == (1, 0)
    assert [again.metadata[k] for k in ("rows_inserted", "rows_updated", "rows_removed")] == [0, 0, 0]
    with db.connect(settings.build_db, read_only=True) as con:
        assert con.execute("select capture_date from raw.estimate_snapshots").fetchall() == [
            (dt.date(2024, 1, 2),)
        ]
