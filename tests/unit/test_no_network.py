"""Live mode without a network: what waiting does not mend fails at once, what may pass is retried
with a line per retry (ingestion/downloads.py rule).

Handmade failing sessions only (no real network): a host name that does not resolve, a refused TLS
certificate, a refused connection to this machine fail at the first attempt with one line, and the
ingestion step fails without the step retry (Dagster ``Failure(allow_retries=False)``); a 503 or a
reset connection is retried, each wait announced as ``retry k/n in ~N s``. The rule itself, for
every kind of failure, is tested on the one mechanism (ingestion.downloads.with_retries) in
test_retries.py; here, the fetchers and the step on it."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from dagster import Failure, build_asset_context

from ingestion import fred, fred_fetch, sources, yahoo_fetch
from ingestion.downloads import get_with_retries
from ingestion.errors import FIX
from ingestion.landing import UpstreamUnavailableError, UpstreamUnreachableError
from ingestion.settings import Settings
from orchestration.assets.ingestion import ingest
from tests.unit.test_retries import DNS, Sleeps
from warehouse import raw

# What yfinance logs (it does not raise) when Yahoo's host does not resolve.
YF_DNS = (
    "['IWM']: DNSError('Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com. "
    "See https://curl.se/libcurl/c/libcurl-errors.html first for more details.')"
)


class Response:
    def __init__(self, status: int, content: bytes = b"") -> None:
        self.status_code = status
        self.content = content
        self.text = content.decode()


class Session:
    """A handmade session: answers each GET with the next scripted response or error."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, url: str, params: Any = None, timeout: float | None = None) -> Response:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def get(session: Session, sleeps: Sleeps, **kwargs: Any):
    return get_with_retries(
        session, "https://x.test/a.csv", None, what="FRED DGS2", max_attempts=4, base_delay=2.0,
        sleep=sleeps, timeout=5, upstream="FRED", **kwargs,
    )  # fmt: skip


def one_line(message: str) -> str:
    assert "\n" not in message and message.count(FIX) == 1, message
    return message


@pytest.mark.parametrize("answer", [Response(503), Response(429)], ids=["503", "429"])
def test_get_goes_through_the_retry_mechanism(answer, caplog):
    """An HTTP 503 or 429 twice, then the answer: two retry lines, two waits (the rest of the rule is
    with_retries', tested in test_retries.py)."""
    session, sleeps = Session(answer, answer, Response(200, b"ok")), Sleeps()
    with caplog.at_level(logging.WARNING, logger="ingestion"):
        response, failure = get(session, sleeps)
    assert response.status_code == 200 and failure == ""
    assert session.calls == 3 and sleeps == [2.0, 4.0]
    lines = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    status = answer.status_code
    assert lines == [
        f"FRED DGS2: HTTP {status}; retry 1/3 in ~2 s",
        f"FRED DGS2: HTTP {status}; retry 2/3 in ~4 s",
    ]


def test_a_4xx_other_than_429_is_returned_not_retried():
    session, sleeps = Session(Response(404)), Sleeps()
    response, _ = get(session, sleeps)
    assert response.status_code == 404 and session.calls == 1 and sleeps == []


def test_fred_without_dns_stops_at_the_first_series(tmp_path):
    session, sleeps = Session(DNS), Sleeps()
    with pytest.raises(UpstreamUnreachableError):
        fred_fetch.fetch_live_fred(
            ["DGS2", "DFF"], tmp_path, start=pd.Timestamp("2024-01-02").date(), get=session, sleep=sleeps
        )
    assert session.calls == 1 and sleeps == []


# Yahoo through yfinance: it raises, or only logs, what went wrong -------------------------------


def test_yahoo_download_that_logs_a_dns_failure_fails_at_once(tmp_path):
    calls = []

    def download(**kwargs):
        calls.append(kwargs)
        logging.getLogger("yfinance").error(YF_DNS)
        return pd.DataFrame()

    sleeps = Sleeps()
    with pytest.raises(UpstreamUnreachableError) as failed:
        yahoo_fetch.fetch_live(
            ["IWM"], tmp_path, start=pd.Timestamp("2024-01-02").date(), download=download, sleep=sleeps
        )
    assert len(calls) == 1 and sleeps == []
    message = one_line(str(failed.value))
    assert message.startswith(
        "Yahoo Finance unreachable: the host name query2.finance.yahoo.com does not resolve"
    )


def test_yahoo_empty_answers_are_retried_with_lines(tmp_path, caplog):
    sleeps = Sleeps()
    with caplog.at_level(logging.WARNING, logger="ingestion"), pytest.raises(UpstreamUnavailableError):
        yahoo_fetch.fetch_live(
            ["IWM"], tmp_path, start=pd.Timestamp("2024-01-02").date(), download=lambda **k: pd.DataFrame(),
            sleep=sleeps, max_attempts=3,
        )  # fmt: skip
    assert sleeps == [2.0, 4.0]
    lines = [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()]
    assert [line.rsplit("; ", 1)[1] for line in lines] == ["retry 1/2 in ~2 s", "retry 2/2 in ~4 s"]
    assert lines[0].startswith("Yahoo prices of IWM: came back empty")


# the ingestion step: no step retry for what waiting does not mend ---------------------------------


def _live(tmp_path: Path) -> Settings:
    return Settings.from_env({"ROTATION_SOURCE": "live", "ROTATION_HOME": str(tmp_path)})


def test_the_step_fails_without_its_retry_when_the_host_does_not_resolve(tmp_path, monkeypatch):
    session, sleeps = Session(DNS), Sleeps()
    real = fred_fetch.fetch_live_fred
    monkeypatch.setattr(
        fred_fetch, "fetch_live_fred", lambda *a, **k: real(*a, **k, get=session, sleep=sleeps)
    )
    with build_asset_context() as context, pytest.raises(Failure) as failed:
        ingest(context, _live(tmp_path), raw.FRED_SERIES, sources.FRED.land, fred.parse_fred_batch)
    assert failed.value.allow_retries is False, "the step retry policy must not try again"
    assert one_line(failed.value.description).startswith("FRED unreachable: the host name")
    assert session.calls == 1 and sleeps == []


@pytest.mark.parametrize("error", [socket.gaierror(-2, "Name or service not known"), DNS])
def test_a_dns_failure_escaping_a_fetcher_fails_the_step_without_retry(tmp_path, error):
    def land(*args, **kwargs):
        raise error

    with build_asset_context() as context, pytest.raises(Failure) as failed:
        ingest(context, _live(tmp_path), raw.PRICES, land, parse=None)
    assert failed.value.allow_retries is False
    assert one_line(failed.value.description).startswith("Yahoo Finance unreachable: the host name")
