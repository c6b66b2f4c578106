"""The live fetchers' one retry mechanism, ingestion.downloads.with_retries, with scripted calls.

What the three loops it replaced each tested is tested here once: which failures are retried (a
``retry k/n in ~N s`` line and a wait each), which fail at the first attempt (what waiting does not
mend: one UpstreamUnreachableError line naming the upstream), which propagate at once, and what
comes back when every attempt failed. The callers' own tests (test_no_network.py for HTTP,
test_estimates.py, test_yahoo_live.py) check that each goes through it."""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any

import pytest
import requests
from yfinance.exceptions import YFRateLimitError

from ingestion.downloads import not_transient, with_retries
from ingestion.errors import FIX
from ingestion.landing import UpstreamUnavailableError, UpstreamUnreachableError

# What requests raises on this machine when a name does not resolve (copied from a real run).
DNS = requests.ConnectionError(
    "HTTPSConnectionPool(host='fred.stlouisfed.org', port=443): Max retries exceeded with url: "
    "/graph/fredgraph.csv (Caused by NameResolutionError(\"HTTPSConnection(host='fred.stlouisfed.org', "
    "port=443): Failed to resolve 'fred.stlouisfed.org' ([Errno -2] Name or service not known)\"))"
)
TLS = requests.exceptions.SSLError(
    ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
)
LOCAL_REFUSED = requests.ConnectionError(
    "HTTPConnectionPool(host='127.0.0.1', port=3128): Max retries exceeded (Caused by "
    "NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))"
)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Script:
    """A call answering each attempt with the next scripted value, or raising it (the last repeats)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer


def http_problem(status: int) -> str:
    return f"HTTP {status}" if status >= 500 else ""


def run(call: Script, sleeps: Sleeps, **kwargs: Any) -> tuple[Any, str]:
    kwargs = {"max_attempts": 4, "base_delay": 2.0} | kwargs
    return with_retries(call, what="FRED DGS2", upstream="FRED", sleep=sleeps, **kwargs)


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()]


def one_line(message: str) -> str:
    assert "\n" not in message and message.count(FIX) == 1, f"expected one line with one fix, got {message!r}"
    return message


class ReadTimeout(Exception):
    """Named like requests' timeout: retried by name."""


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError("Connection reset by peer"),
        requests.Timeout("t"),
        ConnectionError("connection refused"),
        OSError("network down"),
        ReadTimeout("read timed out"),
        YFRateLimitError(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_transient_error_is_retried_with_a_line_per_retry(error, caplog):
    call, sleeps = Script(error, error, "answer"), Sleeps()
    with caplog.at_level(logging.WARNING, logger="ingestion"):
        assert run(call, sleeps) == ("answer", "")
    assert call.calls == 3 and sleeps == [2.0, 4.0], f"expected 3 calls, 2 waits; got {call.calls}, {sleeps}"
    assert retry_lines(caplog) == [
        f"FRED DGS2: {type(error).__name__}: {error}; retry 1/3 in ~2 s",
        f"FRED DGS2: {type(error).__name__}: {error}; retry 2/3 in ~4 s",
    ]


def test_a_result_the_caller_names_a_problem_is_retried_like_an_error(caplog):
    call, sleeps = Script(503, 502, 200), Sleeps()
    with caplog.at_level(logging.WARNING, logger="ingestion"):
        assert run(call, sleeps, retry_result=http_problem) == (200, "")
    assert call.calls == 3 and sleeps == [2.0, 4.0]
    assert retry_lines(caplog) == [
        "FRED DGS2: HTTP 503; retry 1/3 in ~2 s",
        "FRED DGS2: HTTP 502; retry 2/3 in ~4 s",
    ]


def test_attempts_and_delays_are_the_callers():
    call, sleeps = Script(OSError("down")), Sleeps()
    assert run(call, sleeps, max_attempts=5, base_delay=0.5) == (None, "OSError: down")
    assert call.calls == 5 and sleeps == [0.5, 1.0, 2.0, 4.0]
    once, no_sleeps = Script(OSError("down")), Sleeps()
    assert run(once, no_sleeps, max_attempts=1) == (None, "OSError: down")
    assert once.calls == 1 and no_sleeps == [], "one attempt: no retry, no wait"


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (DNS, "the host name fred.stlouisfed.org does not resolve"),
        (socket.gaierror(-2, "Name or service not known"), "the host name does not resolve"),
        (socket.gaierror(-3, "Temporary failure in name resolution"), "the host name does not resolve"),
        (TLS, "the TLS certificate of the server does not verify"),
        (LOCAL_REFUSED, "a connection to this machine itself was refused"),
        (requests.exceptions.ProxyError("Unable to connect to proxy"), "the proxy could not be reached"),
    ],
)
def test_what_waiting_does_not_mend_fails_at_the_first_attempt(error, cause):
    call, sleeps = Script(error), Sleeps()
    with pytest.raises(UpstreamUnreachableError) as failed:
        run(call, sleeps)
    assert call.calls == 1 and sleeps == [], "no retry, no wait"
    message = one_line(str(failed.value))
    assert message.startswith(f"FRED unreachable: {cause}"), message
    assert "not retried" in message and "could not download FRED DGS2" in message
    assert failed.value.transient is False
    assert failed.value.__cause__ is error


@pytest.mark.parametrize(
    "error",
    [
        KeyError("bug"),
        requests.exceptions.InvalidURL("bad url"),
        # judged by the call itself (yfinance logged it), not wrapped a second time
        UpstreamUnreachableError(
            "Yahoo Finance unreachable: Could not resolve host: query2.finance.yahoo.com"
        ),
    ],
    ids=lambda e: type(e).__name__,
)
def test_other_errors_propagate_at_once_as_they_are(error):
    call, sleeps = Script(error), Sleeps()
    with pytest.raises(type(error)) as failed:
        run(call, sleeps)
    assert failed.value is error, f"expected the call's own {error!r}, got {failed.value!r}"
    assert call.calls == 1 and sleeps == []


def test_a_refused_connection_to_a_remote_host_is_retried_to_the_last_attempt():
    refused = requests.ConnectionError(
        "HTTPSConnectionPool(host='fred.stlouisfed.org', port=443): [Errno 111] Connection refused"
    )
    assert not_transient(refused) is None
    call, sleeps = Script(refused), Sleeps()
    assert run(call, sleeps) == (None, f"ConnectionError: {refused}")
    assert call.calls == 4 and sleeps == [2.0, 4.0, 8.0]


def test_every_attempt_failing_returns_the_last_problem_or_raises_what_the_caller_gives_up_with():
    def give_up(last: str) -> UpstreamUnavailableError:
        return UpstreamUnavailableError(f"FRED unreachable after 3 attempts (last error: {last})")

    assert run(Script(503), Sleeps(), max_attempts=3, retry_result=http_problem) == (None, "HTTP 503")
    # an answer still not right at the last attempt is returned as such, give_up or not
    assert run(Script(503), Sleeps(), max_attempts=3, retry_result=http_problem, give_up=give_up) == (
        None,
        "HTTP 503",
    )
    last = requests.Timeout("read timed out (3)")
    with pytest.raises(UpstreamUnavailableError) as failed:
        run(
            Script(requests.Timeout("1"), requests.Timeout("2"), last),
            Sleeps(),
            max_attempts=3,
            give_up=give_up,
        )
    assert str(failed.value) == "FRED unreachable after 3 attempts (last error: Timeout: read timed out (3))"
    assert failed.value.__cause__ is last
