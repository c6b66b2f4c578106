"""Giving freed memory back to the operating system between chunks of a large load or validation.

glibc keeps the memory of freed large pandas/numpy arrays in its heap for reuse; a build that parses
and validates millions of rows chunk by chunk would otherwise keep the resident size of its largest
moment for the rest of the run. ``malloc_trim`` returns the free heap to the OS (milliseconds).
"""

from __future__ import annotations

import ctypes
import ctypes.util

try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _TRIM = _LIBC.malloc_trim
except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
    _TRIM = None


def release_freed_memory() -> None:
    """Hand the free heap back to the OS where the C library allows it. Call after dropping the last
    reference to a large frame."""
    if _TRIM is not None:
        _TRIM(0)
