"""Giving freed memory back to the operating system between chunks of a large load or validation.

glibc keeps the memory of freed large pandas/numpy arrays in its heap for reuse; a build that parses
and validates millions of rows chunk by chunk would otherwise keep the resident size of its largest
moment for the rest of the run. ``malloc_trim`` returns the free heap to the OS (milliseconds).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _TRIM = _LIBC.malloc_trim
except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
    _TRIM = None


def release_freed_memory(collect: bool = False) -> None:
    """Hand the free heap back to the OS where the C library allows it. Call after dropping the last
    reference to a large frame; ``collect`` first runs the cycle collector, for frames held by
    objects that reference each other (Great Expectations' validation objects do)."""
    if collect:
        gc.collect()
    if _TRIM is not None:
        _TRIM(0)
