"""SIGKILL a running ``shenbao run --once`` at a chosen point of its work.

A kill point is drawn from a seeded generator: either a moment (uniform over a clean run's
wall time) or a count reached in one of the three phases of a cycle — mails stored (fetch),
mails processed (verdict and reply committed), replies accepted by the SMTP server (send). The
process is watched from outside, through a read-only connection to its SQLite register, and
killed the moment the point is reached (plus a random jitter of a few milliseconds, so kills
also land between the commits being watched); a "sent" point kills from inside the SMTP server.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tests.reliability.harness import Installation
from tests.servers_smtp import Captured, SmtpServer

PHASES = ("time", "stored", "processed", "sent")


@dataclass(frozen=True)
class KillPoint:
    phase: str  # one of PHASES
    at: float  # seconds after start for "time"; else the count that triggers the kill
    jitter: float  # seconds to wait after the trigger

    def reached(self, elapsed: float, progress: Progress) -> bool:
        if self.phase == "time":
            return elapsed >= self.at
        return getattr(progress, self.phase) >= self.at


@dataclass(frozen=True)
class Progress:
    stored: int = 0
    processed: int = 0
    sent: int = 0


@dataclass(frozen=True)
class KillRecord:
    point: KillPoint
    killed: bool  # False when the run finished before the point was reached
    progress: Progress  # what was durable when the process died


def kill_points(seed: int, count: int, *, mails: int, replies: int, clean_seconds: float) -> list[KillPoint]:
    """``count`` kill points, the phases in turn, positions and jitter drawn from ``seed``."""
    rng = random.Random(seed)
    ceilings = {"stored": mails - 1, "processed": mails - 1, "sent": replies - 1}
    points = []
    for index in range(count):
        phase = PHASES[index % len(PHASES)]
        at = rng.uniform(0.05, clean_seconds) if phase == "time" else rng.randint(1, ceilings[phase])
        points.append(KillPoint(phase, at, rng.uniform(0.0, 0.02)))
    return points


class Watcher(Protocol):
    def progress(self) -> Progress: ...

    def close(self) -> None: ...


class Watch:
    """Reads a running process's progress from its SQLite register (read-only) and the SMTP captures;
    a subclass for another register says how to connect and count (``tests.reliability.instances``)."""

    errors: tuple[type[Exception], ...] = (sqlite3.Error,)  # not created yet, or briefly busy

    def __init__(self, db_path: Path, smtp: SmtpServer) -> None:
        self.db_path, self.smtp = db_path, smtp
        self.last = Progress()
        self._conn: Any = None

    def _connect(self) -> Any:
        return sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=0.05)

    def _counts(self, conn: Any) -> tuple[int, int]:
        stored, processed = conn.execute(
            "select count(*), coalesce(sum(state = 'processed'), 0) from emails").fetchone()
        return int(stored), int(processed)

    def progress(self) -> Progress:
        try:
            if self._conn is None:
                self._conn = self._connect()
            self.last = Progress(*self._counts(self._conn), len(self.smtp.messages))
        except self.errors:  # what was seen last
            self.close()
            self.last = Progress(self.last.stored, self.last.processed, len(self.smtp.messages))
        return self.last

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def run_and_kill(installation: Installation, smtp: SmtpServer, point: KillPoint, timeout: float = 120,
                 watch: Watcher | None = None) -> KillRecord:
    """Start ``run --once`` and SIGKILL it at ``point``; return what it had done by then (read by
    ``watch``, by default from the installation's SQLite register).

    A "sent" point kills from inside the SMTP server, after it took the message and before it
    answers 250: the reply was delivered but the service never heard so (the worst moment).
    """
    process = installation.start("run", "--once")
    watch = watch or Watch(installation.db_path, smtp)
    if point.phase == "sent":

        def kill_before_250(_: Captured) -> None:
            if len(smtp.messages) >= point.at:
                process.send_signal(signal.SIGKILL)

        smtp.on_message = kill_before_250
    started = time.monotonic()
    try:
        while process.poll() is None:
            elapsed = time.monotonic() - started
            if elapsed > timeout:
                raise AssertionError(f"run --once did not finish or reach {point} in {timeout}s")
            if point.phase != "sent" and point.reached(elapsed, watch.progress()):
                time.sleep(point.jitter)
                process.send_signal(signal.SIGKILL)
            time.sleep(0.01)
        killed = process.returncode == -signal.SIGKILL
        return KillRecord(point, killed, watch.progress())
    finally:
        smtp.on_message = None
        watch.close()
        _drain(process)


def _drain(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate()
