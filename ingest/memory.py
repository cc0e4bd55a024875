"""Giving freed memory back to the system after a big transient allocation (glibc ``malloc_trim``).

A recognition by the OCR engine allocates about 270 MB of short-lived buffers (onnxruntime's
detection model over a page), a worker's parse of a 9 MB mail tens of MB; glibc keeps much of
what was freed in its arenas, so a process that did one such job stays that large until it exits.
``release`` asks glibc to return the free pages (a few milliseconds); elsewhere (musl, macOS) it
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release() -> bool:
    """Return the process's free heap pages to the system; False where that is not available."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
