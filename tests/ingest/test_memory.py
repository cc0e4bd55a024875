"""``ingest.memory.release`` gives a process's freed heap back to the system (glibc's malloc_trim)."""

from __future__ import annotations

import psutil  # type: ignore[import-untyped]  # no stubs in the venv

from ingest.memory import release


def test_freed_heap_pages_are_returned_to_the_system() -> None:
    """GIVEN 200 MB of 4 KB blocks freed but for every 64th (the heap stays that large, fragmented)
    WHEN released  THEN the process's resident size falls by most of it."""
    process = psutil.Process()
    blocks = [bytearray(4000) for _ in range(50_000)]
    kept = blocks[::64]
    del blocks
    held = process.memory_info().rss
    assert release()
    returned = held - process.memory_info().rss
    assert returned > 100 * 2**20, returned / 2**20
    assert len(kept) == 782
