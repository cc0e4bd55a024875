"""Run a command: its wall time and the peak of the resident set sizes of its whole process tree, summed.

The tree (the command, its reader workers, LibreOffice ...) is sampled every ``RSS_SAMPLE_SECONDS``
with psutil; the largest sum seen is the peak. A peak shorter than the sampling interval can be
missed, so the figure is a lower bound by at most one short spike.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no stubs in the venv

RSS_SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    rss_mb: float  # peak of the resident set sizes of the command's process tree, summed
    output: str = ""  # what the command printed


@dataclass(frozen=True)
class Result:
    name: str
    samples: tuple[Sample, ...]
    megabytes: float = 0.0  # bytes handled, for MB/s
    mails: int = 0  # mails handled, for mails/s
    note: str = ""
    reference: str = ""  # the name of the row its "× mbsync" is taken against
    shown: str = ""  # the wall column's text when it is not a plain median (reply latency)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def rss_mb(self) -> float:
        return max(s.rss_mb for s in self.samples)


def tree_rss_mb(pid: int) -> float:
    """The resident set sizes of ``pid`` and all its descendants, summed (0 once it is gone)."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


class PeakRss:
    """Samples a process tree's summed RSS in a thread until stopped; ``peak_mb`` is the largest seen."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mb = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-rss", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(RSS_SAMPLE_SECONDS)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def run(command: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Sample:
    """Run ``command`` once; raise with its output when it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(list(command), env={**os.environ, **(env or {})}, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    sampler = PeakRss(process.pid)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    peak = sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{stdout[-2000:]}{stderr[-3000:]}")
    return Sample(wall, peak, stdout)


def repeat(name: str, runs: int, once: Callable[[int], Sample], *, megabytes: float = 0.0, mails: int = 0,
           note: str = "", reference: str = "") -> Result:
    """``once(i)`` ``runs`` times (each prepares its own fresh state); the median is reported."""
    samples = []
    for index in range(runs):
        sample = once(index)
        print(f"bench:   {name}: run {index + 1}/{runs}: {sample.wall:.2f} s, {sample.rss_mb:.0f} MB", flush=True)
        samples.append(sample)
    return Result(name, tuple(samples), megabytes, mails, note, reference)


def load_average() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"
