"""CPython's cycle collector, tuned for what shenbao does: many short-lived objects in bulk.

The service's objects rarely form reference cycles, but the collector walks every tracked object
as they accumulate: building the office views of 10 000 nominations, or a workbook of 200 000
cells, spent a quarter of its time there, and intake a few per cent. Measured with
``python -m bench`` (README, "Performance").
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)


def settle_after_imports() -> None:
    """For a long run: the objects of every import so far are moved out of the collector's sight
    (``gc.freeze``) and young collections happen every YOUNG_THRESHOLD allocations."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Building the office views of 10 000 nominations, or a workbook of 200 000 cells, makes
    millions of objects that form no reference cycles; CPython's cycle collector walked them again
    and again as they accumulated (a quarter of ``export --format xlsx``). Paused for the duration
    and restored after (a nested use leaves it to the outer one)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
