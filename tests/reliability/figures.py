"""The figures the reliability suites measured, printed at the end of the run (README "Reliability").

Each suite adds counts under its name; ``tests/reliability/conftest.py`` prints them in the
terminal summary and, when ``SHENBAO_FIGURES`` names a file, writes them there as JSON.
"""

from __future__ import annotations

import json
import os
import platform
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

FIGURES: dict[str, dict[str, Any]] = defaultdict(dict)


def add(suite: str, **counts: int) -> None:
    """Add ``counts`` to the suite's running totals (a suite may report from several tests)."""
    for key, value in counts.items():
        FIGURES[suite][key] = FIGURES[suite].get(key, 0) + value


def most(suite: str, **values: float) -> None:
    """Keep the largest value seen (peak memory, longest wall time...)."""
    for key, value in values.items():
        FIGURES[suite][key] = max(FIGURES[suite].get(key, value), value)


def lines() -> list[str]:
    return [f"{suite}: " + ", ".join(f"{key} {value}" for key, value in sorted(counts.items()))
            for suite, counts in sorted(FIGURES.items())]


def machine() -> str:
    cpus = os.cpu_count() or 0
    return f"{platform.system()} {platform.machine()}, {cpus} CPU(s), Python {platform.python_version()}"


def write(path: Path) -> None:
    payload = {"date": datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
               "figures": dict(FIGURES)}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
