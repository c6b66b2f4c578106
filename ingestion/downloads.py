"""HTTP downloads with retries, shared by the live FRED and CFTC fetchers (Yahoo goes through yfinance).

Rule: a failed request is retried (exponential backoff, one ``retry k/n in ~N s`` line each) only
when waiting may help: a connection reset or timeout, HTTP 429 or 5xx. What waiting does not mend
fails at the first attempt with one line (:func:`not_transient`): a host name that does not resolve
(no network or no DNS: minutes of retries would only hide it), a TLS certificate that does not verify,
a connection refused by this machine itself (a local proxy or service that is not running) or by the
configured proxy. Other 4xx answers are returned to the caller, not retried (a wrong series id stays
wrong). The same classification serves the Yahoo fetchers (ingestion/yahoo.py, estimates.py) and the
ingestion step's retry policy (orchestration/assets/ingestion.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import requests

from ingestion.errors import OFFLINE_FIX, cause_and_fix
from ingestion.landing import UpstreamUnreachableError

log = logging.getLogger(__name__)

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
    """Connection trouble: worth another attempt. Other request errors (bad URL, ...) are not."""
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(error, requests.RequestException):
        return False
    if isinstance(error, OSError):
        return True
    names = [cls.__name__ for cls in type(error).__mro__]
    return any("Connection" in n or "Timeout" in n for n in names)


def retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


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
    """One GET with exponential backoff on connection errors, timeouts and HTTP 429/5xx, a line
    ``<what>: <problem>; retry k/n in ~N s`` before each wait.

    Returns ``(response, "")`` with the final answer (200 or a status not worth retrying), or
    ``(None, last_error)`` when every attempt failed. A failure waiting does not mend
    (:func:`not_transient`) raises UpstreamUnreachableError at once, naming ``upstream``; other
    exceptions propagate at once.
    """
    last = ""
    for attempt in range(max_attempts):
        try:
            response = get(url, params=params, timeout=timeout)
        except Exception as e:
            if not_transient(e):
                raise unreachable_at_once(upstream or what, what, e) from e
            if not is_retryable(e):
                raise
            last = f"{type(e).__name__}: {e}"
        else:
            if not retryable_status(response.status_code):
                return response, ""
            last = f"HTTP {response.status_code}"
        if attempt < max_attempts - 1:
            delay = base_delay * 2**attempt
            log.warning(retry_line(what, last, attempt, max_attempts, delay))
            sleep(delay)
    return None, last
