"""Returning freed memory to the operating system (internal).

Long tables pass through many intermediate arrays of a few megabytes: glibc's allocator
serves those from its heap (above its mmap threshold, which grows to 32 MiB after the first
large free) and keeps the freed pages, so the resident size of a process stays at its
highest level even when the arrays are gone. :func:`release_free_memory` asks the
allocators to hand back what is free: glibc's ``malloc_trim(0)`` (a no-op on other C
libraries, where it is absent) and pyarrow's memory pool.
"""

from __future__ import annotations

import ctypes
import sys
from functools import lru_cache
from typing import Any

__all__ = ["release_free_memory"]


@lru_cache(maxsize=1)
def _trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return None


def release_free_memory() -> None:
    """Hand the allocators' free pages back to the operating system (cheap; best effort)."""
    trim = _trim()
    if trim is not None:
        trim(0)
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
