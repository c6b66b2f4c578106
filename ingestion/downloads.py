"""HTTP downloads with retries, shared by the live FRED and CFTC fetchers (Yahoo goes through yfinance)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests

from ingestion.errors import OFFLINE_FIX

log = logging.getLogger(__name__)

OFFLINE_HINT = OFFLINE_FIX  # the fix part of every "upstream unreachable" message (ingestion.errors)


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
) -> tuple[Any, str]:
    """One GET with exponential backoff on connection errors, timeouts and HTTP 429/5xx.

    Returns ``(response, "")`` with the final answer (200 or a status not worth retrying), or
    ``(None, last_error)`` when every attempt failed; other exceptions propagate at once.
    """
    last = ""
    for attempt in range(max_attempts):
        try:
            response = get(url, params=params, timeout=timeout)
        except Exception as e:
            if not is_retryable(e):
                raise
            last = f"{type(e).__name__}: {e}"
        else:
            if not retryable_status(response.status_code):
                return response, ""
            last = f"HTTP {response.status_code}"
        if attempt < max_attempts - 1:
            log.warning("download of %s failed (%s); retrying", what, last)
            sleep(base_delay * 2**attempt)
    return None, last
