"""The figures the reliability suites measured, printed at the end of the run (README "Reliability").

Each suite adds counts under its name; ``tests/reliability/conftest.py`` prints them in the
terminal summary and, when ``SHENBAO_FIGURES`` names a file, writes them there as JSON.
"""

from __future__ import annotations

import json
import os
import platform
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

FIGURES: dict[str, dict[str, Any]] = defaultdict(dict)


def add(suite: str, **counts: int) -> None:
    """Add ``counts`` to the suite's running totals (a suite may report from several tests)."""
    for key, value in counts.items():
        FIGURES[suite][key] = FIGURES[suite].get(key, 0) + value


def most(suite: str, **values: float) -> None:
    """Keep the largest value seen (peak memory, longest wall time...)."""
    for key, value in values.items():
        FIGURES[suite][key] = max(FIGURES[suite].get(key, value), value)


class KillTrial(Protocol):
    """A crash trial as the crash suites keep it: its kill record and the extra reply copies."""
    @property
    def record(self) -> Any: ...
    @property
    def extra_copies(self) -> int: ...


def kill_trials(suite: str, done: Sequence[KillTrial], mails: int, least_killed: int) -> None:
    """Check that at least ``least_killed`` kill points landed, add the trials' counts (each phase's
    kills, extra reply copies) to ``suite``'s figures and print them with the run."""
    killed = [t for t in done if t.record.killed]
    assert len(killed) >= least_killed, "most kill points must land before the run ends"
    phases = Counter(t.record.point.phase for t in killed)
    extra = sum(t.extra_copies for t in done)
    add(suite, trials=len(done), kills=len(killed), mails_per_trial=mails, mails_lost=0, duplicate_processing=0,
        extra_reply_copies=extra, **{f"kills_in_{p}": n for p, n in phases.items()})
    most(suite, max_extra_copies_per_trial=max(t.extra_copies for t in done))
    print(f"\n{suite}: {len(done)} trials, {len(killed)} killed {dict(phases)}, extra reply copies {extra}")  # noqa: T201 - the run's figures


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
