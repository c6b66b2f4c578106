"""The live fetchers' one retry mechanism (:func:`with_retries`, on tenacity) and its rule; HTTP
downloads with it for FRED, CFTC and French (:func:`get_with_retries`). Yahoo's fetchers
(ingestion/yahoo_fetch.py, estimates_fetch.py) call :func:`with_retries` around yfinance.

Rule: a failed request is retried (exponential backoff, one ``retry k/n in ~N s`` line each) only
when waiting may help: a connection reset or timeout, a rate limit, HTTP 429 or 5xx (Yahoo: an empty
answer). What waiting does not mend fails at the first attempt with one line (:func:`not_transient`):
a host name that does not resolve (no network or no DNS: minutes of retries would only hide it), a
TLS certificate that does not verify, a connection refused by this machine itself (a local proxy or
service that is not running) or by the configured proxy. Other 4xx answers are returned to the
caller, not retried (a wrong series id stays wrong); other errors (a bug) propagate at once.

Which layer retries what (a live run; sample and snapshot runs have no retry at all):

1. The request: :func:`with_retries`, ``max_attempts`` (4) attempts ``base_delay`` (2 s) apart,
   doubling (2, 4, 8 s): the transient failures above. These two are keyword arguments of each
   ``fetch_live*`` function, defaulting to MAX_ATTEMPTS and BASE_DELAY below (the source declarations
   in ingestion/sources/ pass none), so tests set them.
   Below it nothing retries: requests.get has no retrying adapter, and yfinance's own retry
   (``yf.config.network.retries``) stays at its default of 0 (yfinance only asks once more with its
   other cookie strategy after an HTTP error).
2. The step: Dagster's ``LIVE_RETRY`` (orchestration/assets/ingestion.py), 3 more runs of the whole
   ingestion step ~2, ~6 and ~14 min later (120 s exponential, +-120 s jitter). It sees what the
   request layer gave up on: an UpstreamUnavailableError (``transient``), or a connection error that
   escaped a fetcher. So a transient outage *is* retried by both layers, deliberately: the request
   layer rides out a blip of seconds, the step layer an outage of minutes (up to 4 x 4 = 16
   requests for one file). A FRED series or a Yahoo price chunk given up on does not fail the step
   unless all did (it is ``missing``, and the gate judges that); one CFTC, French,
   estimates or share-count request given up on does. What waiting does not mend is retried by
   neither: UpstreamUnreachableError (``transient = False``) becomes ``Failure(allow_retries=False)``;
   so is a bad landing file. Any other error (a bug) is not retried per request, but Dagster's policy
   retries every exception but such a Failure, so the step layer does run it again 3 times.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import requests
import tenacity

from ingestion.errors import OFFLINE_FIX, cause_and_fix
from ingestion.landing import UpstreamUnavailableError, UpstreamUnreachableError

log = logging.getLogger(__name__)

# The request layer's defaults (see "Which layer retries what"): each fetch_live* takes them as
# keyword arguments max_attempts and base_delay.
MAX_ATTEMPTS = 4
BASE_DELAY = 2.0  # seconds before the first retry, doubling: 2, 4, 8

OFFLINE_HINT = OFFLINE_FIX  # the fix part of every "upstream unreachable" message (ingestion.errors)
WORK_OFFLINE = OFFLINE_FIX.partition(", or ")[2]  # "work offline with ROTATION_SOURCE=sample ..."

# Words of requests/urllib3, curl (yfinance) and the OS for what retrying does not mend.
_DNS = re.compile(
    r"NameResolutionError|gaierror|Name or service not known|nodename nor servname|"
    r"Temporary failure in name resolution|No address associated with hostname|"
    r"Could not resolve host|Failed to resolve|DNSError|getaddrinfo failed",
    re.IGNORECASE,
)
_TLS = re.compile(r"CERTIFICATE_VERIFY_FAILED|SSLCertVerificationError|SSL certificate problem", re.I)
_PROXY = re.compile(r"ProxyError|Unable to connect to proxy|Could not resolve proxy", re.I)
_REFUSED = re.compile(r"Connection refused|ConnectionRefusedError|Errno 111\b|curl: \(7\)", re.I)
_LOOPBACK = re.compile(r"host='?(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])'?|localhost|127\.0\.0\.1")
_HOST = re.compile(
    r"host[=: ]+'?([A-Za-z0-9.-]+\.[A-Za-z]{2,})'?|resolve host:? '?([A-Za-z0-9.-]+\.[A-Za-z]{2,})"
)


def _texts(error: BaseException) -> str:
    """The class names and messages of an error and everything it wraps (cause, context, args,
    urllib3's ``reason``), as one string to classify."""
    seen: set[int] = set()
    out: list[str] = []
    todo: list[Any] = [error]
    while todo:
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        out.append(f"{' '.join(c.__name__ for c in type(e).__mro__)}: {e}")
        todo.extend([e.__cause__, e.__context__, getattr(e, "reason", None), *e.args])
    return " | ".join(out)


def not_transient(error: BaseException | str) -> tuple[str, str] | None:
    """``(cause, fix)`` when a failed request cannot succeed by waiting (see the module's rule), else
    None. Takes the error, or the text an upstream library logged instead of raising (yfinance)."""
    text = error if isinstance(error, str) else _texts(error)
    host = next((h for m in _HOST.finditer(text) for h in m.groups() if h), None)
    where = f" {host}" if host else ""
    if _PROXY.search(text):
        return (
            "the proxy could not be reached",
            f"check HTTPS_PROXY / HTTP_PROXY (or unset them), then run again; or {WORK_OFFLINE}",
        )
    if _DNS.search(text):
        return (
            f"the host name{where} does not resolve (no network or no DNS on this machine)",
            f"check the network connection and DNS, then run again; or {WORK_OFFLINE}",
        )
    if _TLS.search(text):
        return (
            f"the TLS certificate of{where or ' the server'} does not verify",
            "check the system clock and CA certificates (behind a TLS-inspecting proxy set "
            "REQUESTS_CA_BUNDLE / SSL_CERT_FILE to its CA), then run again",
        )
    if _REFUSED.search(text) and _LOOPBACK.search(text):
        return (
            "a connection to this machine itself was refused (a local proxy or service that is not running)",
            "start that service or correct HTTPS_PROXY / HTTP_PROXY, then run again",
        )
    return None


def unreachable_at_once(upstream: str, what: str, error: BaseException | str) -> UpstreamUnreachableError:
    """The one-line error of a request that failed for a reason waiting does not mend."""
    cause, fix = not_transient(error) or ("it could not be reached", OFFLINE_FIX)
    detail = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    detail = " ".join(str(detail).split())
    if len(detail) > 300:
        detail = detail[:300] + "..."
    return UpstreamUnreachableError(
        cause_and_fix(
            f"{upstream} unreachable: {cause}, not retried (last error: {detail}); could not download {what}",
            fix,
        )
    )


def retry_line(what: str, problem: str, attempt: int, max_attempts: int, delay: float) -> str:
    """``FRED DGS2: HTTP 503; retry 1/3 in ~2 s`` (attempt counts from 0)."""
    return f"{what}: {problem}; retry {attempt + 1}/{max_attempts - 1} in ~{delay:.0f} s"


def is_retryable(error: BaseException) -> bool:
    """Connection trouble or a rate limit (yfinance's YFRateLimitError): worth another attempt. Other
    request errors (bad URL, ...) are not."""
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(error, requests.RequestException):
        return False
    if isinstance(error, OSError):
        return True
    names = [cls.__name__ for cls in type(error).__mro__]
    return any("Connection" in n or "Timeout" in n or "RateLimit" in n for n in names)


def retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def with_retries(
    call: Callable[[], Any],
    *,
    what: str,
    upstream: str,
    max_attempts: int,
    base_delay: float,
    sleep: Callable[[float], None],
    retry_result: Callable[[Any], str] = lambda result: "",
    give_up: Callable[[str], Exception] | None = None,
) -> tuple[Any, str]:
    """``call()`` under the module's rule, the one retry loop of the live fetchers (tenacity).

    At most ``max_attempts`` attempts, waiting ``base_delay * 2**k`` (``sleep``) after the k-th failed
    one, with a line ``<what>: <problem>; retry k/n in ~N s`` (:func:`retry_line`) before each wait.
    Retried: an error :func:`is_retryable`, and a result for which ``retry_result`` names a problem
    (``"HTTP 503"``; ``""`` when the result is final). A failure waiting does not mend
    (:func:`not_transient`) raises UpstreamUnreachableError at once naming ``upstream``; other errors,
    and an UpstreamUnavailableError the call raises itself, propagate at once.

    Returns ``(result, "")``, or ``(None, last problem)`` when every attempt failed; with
    ``give_up``, when the last attempt raised, ``give_up(last problem)`` is raised from that error.
    """

    def attempt() -> tuple[Any, str]:
        try:
            return call(), ""
        except UpstreamUnavailableError:
            raise
        except Exception as e:
            if not_transient(e):
                raise unreachable_at_once(upstream, what, e) from e
            raise

    def problem(state: tenacity.RetryCallState) -> str:
        error = state.outcome.exception()
        return f"{type(error).__name__}: {error}" if error else retry_result(state.outcome.result()[0])

    def exhausted(state: tenacity.RetryCallState) -> tuple[None, str]:
        error = state.outcome.exception()
        if error is not None and give_up is not None:
            raise give_up(problem(state)) from error
        return None, problem(state)

    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max_attempts),
        wait=tenacity.wait_exponential(multiplier=base_delay),
        retry=tenacity.retry_if_exception(is_retryable)
        | tenacity.retry_if_result(lambda answer: bool(retry_result(answer[0]))),
        before_sleep=lambda state: log.warning(
            retry_line(what, problem(state), state.attempt_number - 1, max_attempts, state.upcoming_sleep)
        ),
        retry_error_callback=exhausted,
        sleep=sleep,
    )(attempt)


def get_with_retries(
    get: Callable[..., Any],
    url: str,
    params: dict[str, Any] | None,
    *,
    what: str,
    max_attempts: int,
    base_delay: float,
    sleep: Callable[[float], None],
    timeout: float,
    upstream: str = "",
) -> tuple[Any, str]:
    """One GET under :func:`with_retries`, retried on connection errors, timeouts and HTTP 429/5xx.

    Returns ``(response, "")`` with the final answer (200 or a status not worth retrying), or
    ``(None, last_error)`` when every attempt failed. A failure waiting does not mend raises
    UpstreamUnreachableError at once, naming ``upstream`` (``what`` without it).
    """
    return with_retries(
        lambda: get(url, params=params, timeout=timeout),
        what=what,
        upstream=upstream or what,
        max_attempts=max_attempts,
        base_delay=base_delay,
        sleep=sleep,
        retry_result=lambda r: f"HTTP {r.status_code}" if retryable_status(r.status_code) else "",
    )
