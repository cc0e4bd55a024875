"""The daemon's idle cycle, timed inside one process: ``python -m bench.idle_cycle CONFIG CYCLES``.

Builds the pipeline as ``shenbao run`` does, runs one cycle to open the connection, then times
``CYCLES`` more with nothing new in the mailbox and prints the median in seconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from shenbao.config import load_config
from shenbao.service.wiring import build_pipeline


def main(config_path: Path, cycles: int) -> None:
    pipeline = build_pipeline(load_config(config_path), lambda: datetime.now(timezone.utc))
    first = pipeline.run_once()
    if first.fetched or first.processed:
        raise SystemExit(f"the mailbox is not idle: {first}")
    times = []
    for _ in range(cycles):
        started = time.perf_counter()
        pipeline.run_once()
        times.append(time.perf_counter() - started)
    print(f"{statistics.median(times):.6f} {max(times):.6f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
