"""Reply latency under the daemon: ``shenbao run`` with IMAP IDLE on an empty mailbox, then N mails
APPENDed one every ``interval`` seconds; each mail's latency is from the server's OK to its APPEND
to the moment aiosmtpd takes its reply (the reply's In-Reply-To names the mail's Message-ID).
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench.measure import PeakRss
from bench.service import ROOT, Service
from tests.servers_imap import ImapAccount
from tests.servers_smtp import Captured

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^>\r\n]+)>", re.IGNORECASE | re.MULTILINE)
_IN_REPLY_TO = re.compile(rb"^In-Reply-To:\s*<([^>\r\n]+)>", re.IGNORECASE | re.MULTILINE)
READY_TIMEOUT_SECONDS = 60.0
LAST_REPLY_TIMEOUT_SECONDS = 120.0
SETTLE_SECONDS = 2.0  # an empty first cycle, then IDLE


@dataclass(frozen=True)
class Latency:
    seconds: tuple[float, ...]  # one per answered mail, in arrival order
    sent: int  # mails appended
    rss_mb: float  # peak of the daemon's process tree, summed

    def percentile(self, share: float) -> float:
        """The nearest-rank percentile (``share`` 0..1) of the latencies; 0 when none."""
        if not self.seconds:
            return 0.0
        ranked = sorted(self.seconds)
        return ranked[min(len(ranked) - 1, max(0, round(share * len(ranked) + 0.5) - 1))]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.0


class _Replies:
    """What aiosmtpd took, by the Message-ID the reply answers, with the time it was taken."""

    def __init__(self) -> None:
        self.taken: dict[str, float] = {}
        self.arrived = threading.Condition()

    def __call__(self, captured: Captured) -> None:
        found = _IN_REPLY_TO.search(captured.data[:65536])
        with self.arrived:
            if found:
                self.taken.setdefault(found.group(1).decode(), time.monotonic())
            self.arrived.notify_all()

    def wait_for(self, ids: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not ids <= self.taken.keys() and (left := deadline - time.monotonic()) > 0:
                self.arrived.wait(left)


def _wait_ready(process: subprocess.Popen[str], log: list[str]) -> None:
    """Until the daemon has started ("shenbao running"), then the first (empty) cycle's time, so it waits in IDLE."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not any("shenbao running" in line for line in log):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("shenbao run did not start:\n" + "".join(log[-30:]))
        time.sleep(0.05)
    time.sleep(SETTLE_SECONDS)


def measure(service: Service, account: ImapAccount, store: Path, mails: list[Path], interval: float) -> Latency:
    """Run the daemon over ``store`` (fresh), append ``mails`` at ``interval`` and time each reply."""
    replies = _Replies()
    service.smtp.on_message = replies
    config = service.config(store)
    command = [sys.executable, "-m", "shenbao", "--config", str(config), "-v", "run"]
    process = subprocess.Popen(command, env={**os.environ, **service.env}, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(iter(process.stderr.readline, "")) if process.stderr else None,
                              daemon=True)
    reader.start()
    sampler = PeakRss(process.pid)
    appended: dict[str, float] = {}
    try:
        _wait_ready(process, log)
        with account.client() as client:
            started = time.monotonic()
            for n, path in enumerate(mails):
                time.sleep(max(0.0, started + n * interval - time.monotonic()))
                raw = path.read_bytes()
                found = _MESSAGE_ID.search(raw[:65536])
                if not found:
                    raise RuntimeError(f"{path} has no Message-ID")
                client.append("INBOX", raw, flags=(), msg_time=datetime.now(timezone.utc))
                appended[found.group(1).decode()] = time.monotonic()
        replies.wait_for(set(appended), LAST_REPLY_TIMEOUT_SECONDS)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        rss = sampler.stop()
        service.smtp.on_message = None
    seconds = tuple(replies.taken[key] - at for key, at in appended.items() if key in replies.taken)
    return Latency(seconds, len(appended), rss)
