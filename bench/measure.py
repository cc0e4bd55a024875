"""Run a command under ``/usr/bin/time -v``: wall time and the kernel's peak resident set size."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

TIME = "/usr/bin/time"
_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    rss_mb: float  # peak resident set size of the command (largest process of its tree)
    output: str = ""  # what the command printed


@dataclass(frozen=True)
class Result:
    name: str
    samples: tuple[Sample, ...]
    megabytes: float = 0.0  # bytes handled, for MB/s
    mails: int = 0  # mails handled, for mails/s
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def rss_mb(self) -> float:
        return max(s.rss_mb for s in self.samples)


def run(command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Sample:
    """Run ``command`` once; raise with its output when it fails."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        done = subprocess.run([TIME, "-v", "-o", report.name, *command], env={**os.environ, **(env or {})},
                              cwd=cwd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        text = report.read()
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    match = _RSS.search(text)
    return Sample(wall, int(match.group(1)) / 1024 if match else 0.0, done.stdout)


def repeat(name: str, runs: int, once: Callable[[int], Sample], *, megabytes: float = 0.0, mails: int = 0,
           note: str = "") -> Result:
    """``once(i)`` ``runs`` times (each prepares its own fresh state); the median is reported."""
    samples = []
    for index in range(runs):
        sample = once(index)
        print(f"bench:   {name}: run {index + 1}/{runs}: {sample.wall:.2f} s, {sample.rss_mb:.0f} MB", flush=True)
        samples.append(sample)
    return Result(name, tuple(samples), megabytes, mails, note)


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"
