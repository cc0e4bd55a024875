"""Progress of a long run (the first run over a full mailbox): a bar on a terminal, log lines elsewhere.

``Progress`` is called as ``progress(stage, done, total)`` by the pipeline after each mail; the
total is None while fetching (the count is not known up front). On a terminal a tqdm bar shows
up once a stage has lasted ``delay`` seconds; otherwise (systemd, a pipe) one log line is written
every ``every`` seconds, so a short cycle stays silent and a long one is never a mystery.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import IO

from tqdm import tqdm

log = logging.getLogger(__name__)
STAGES = {"fetch": "fetching mail", "process": "processing mail"}
ProgressSink = Callable[[str, int, "int | None"], None]


def no_progress(stage: str, done: int, total: int | None) -> None:
    """The default sink: says nothing."""


class Progress:
    def __init__(self, stream: IO[str] | None = None, *, tty: bool | None = None, every: float = 30.0,
                 delay: float = 2.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every, self.delay, self.monotonic = every, delay, monotonic
        self._stage = ""
        self._bar: tqdm | None = None
        self._started = self._logged = 0.0
        self._done = 0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self._stage:
            self.close()
            self._stage, self._started, self._logged = stage, self.monotonic(), self.monotonic()
        self._done = done
        if self.tty:
            self._draw(stage, done, total)
        else:
            self._log(stage, done, total)

    def _draw(self, stage: str, done: int, total: int | None) -> None:
        if self._bar is None:
            self._bar = tqdm(total=total, desc=STAGES.get(stage, stage), unit="mail", file=self.stream,
                             delay=self.delay, dynamic_ncols=True, leave=True)
        self._bar.update(done - self._bar.n)

    def _log(self, stage: str, done: int, total: int | None) -> None:
        now = self.monotonic()
        finished = total is not None and done >= total
        if now - self._logged < self.every and not (finished and now - self._started >= self.every):
            return
        self._logged = now
        elapsed = max(now - self._started, 1e-6)
        rate = done / elapsed
        fields = {"stage": stage, "done": done, "total": total, "rate": round(rate, 2)}
        if total is None:
            log.info("%s: %d so far (%.1f/s)", STAGES.get(stage, stage), done, rate, extra={"fields": fields})
            return
        left = (total - done) / rate if rate > 0 else 0.0
        log.info("%s: %d/%d (%d%%), %.1f/s, about %d min left", STAGES.get(stage, stage), done, total,
                 100 * done // max(total, 1), rate, round(left / 60), extra={"fields": fields})

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._stage = ""
