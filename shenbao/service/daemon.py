"""``shenbao run``: the unattended service, one process per data_dir.

Two kinds of work, on two kinds of thread:

* **Mail** stays on the main thread: fetch, process, send the replies, then wait for the next
  cycle in IMAP IDLE when the server offers it (a reply goes out seconds after a mail arrives),
  else ``poll_interval_seconds``. ``ingest.imap.ImapMailbox`` keeps one connection and is not
  thread-safe, and IDLE blocks on that connection, so fetching and waiting share one thread.
* **Timed jobs** run in an APScheduler 3.x ``BackgroundScheduler`` (one worker thread, campaign
  time zone): the daily digest at ``[digest] time`` and an outbox sweep that retries due
  replies even while the mailbox is unreachable. Every job has ``max_instances = 1``,
  ``coalesce = True`` and a real ``misfire_grace_time``. Sending is claimed reply by reply
  (``shenbao.replies.outbox``), so the sweep and the mail cycle never send one reply twice. An edited
  config file is picked up once per mail cycle (``shenbao.service.reload``); a new ``[digest]`` time or
  time zone puts the digest job on its new trigger (``Daemon.reconfigure``).

SIGTERM/SIGINT only set an event. The main thread then finishes the mail in hand, leaves the
loop and shuts the scheduler down itself (waiting for a digest being sent); a second signal
while stopping gives up waiting. Time comes from the injected ``clock``; the digest's due slot
is computed from it, so a test can run a simulated day without sleeping.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from shenbao.config import Config
from shenbao.service.digest_job import DigestJob, digest_trigger
from shenbao.errors import EXPECTED
from shenbao.replies.outbox import recover_interrupted, send_due
from shenbao.service.instance import instance_guard
from shenbao.service.pipeline import Clock, Pipeline
from shenbao.service.wiring import open_sender
from shenbao.service.reload import ConfigWatcher

log = logging.getLogger(__name__)
IDLE_SLICE_SECONDS = 5.0  # re-enter IDLE this often: a stop request waits at most this (plus DONE)
DIGEST_GRACE_SECONDS = 6 * 3600  # a digest up to 6 h late (machine asleep, busy) is still sent
DIGEST_RETRY = timedelta(minutes=5)  # after a digest could not be made (database busy, a bug)
OUTBOX_SWEEP_SECONDS = 60.0


def _cycle(pipeline: Pipeline) -> None:
    try:
        report = pipeline.run_once()
    except EXPECTED as exc:
        log.error("mail cycle failed, will retry next poll: %s", exc)
        return
    if report.fetched or report.sent or report.errors or report.failed:
        log.info("cycle: fetched %d, processed %d, errors %d, sent %d, failed %d", report.fetched,
                 report.processed, report.errors, report.sent, report.failed, extra={"fields": vars(report)})


def wait_for_mail(pipeline: Pipeline, stop: threading.Event, seconds: float) -> None:
    """Return when new mail is announced (IDLE), ``seconds`` have passed, or a stop is requested."""
    deadline = time.monotonic() + seconds
    wait = getattr(pipeline.mailbox, "wait_for_news", None) if pipeline.config.mailbox.idle else None
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        if wait is None:
            stop.wait(left)
            return
        slice_seconds = min(IDLE_SLICE_SECONDS, left)
        started = time.monotonic()
        try:
            if wait(slice_seconds):
                return
        except EXPECTED as exc:
            log.warning("IDLE unavailable (%s); polling", exc)
            wait = None
            continue
        if time.monotonic() - started < slice_seconds / 2:
            wait = None  # IDLE not offered or the connection broke: plain polling until the next cycle


class Daemon:
    """The service loop. ``digest_check`` replaces the digest's cron trigger (tests check often
    and let the injected clock decide when the digest is due)."""

    def __init__(self, config: Config, pipeline: Pipeline, clock: Clock, *, digest_check: BaseTrigger | None = None,
                 outbox_sweep_seconds: float = OUTBOX_SWEEP_SECONDS, stop: threading.Event | None = None) -> None:
        self.config, self.pipeline, self.clock = config, pipeline, clock
        self.stop = stop or threading.Event()
        self.digest = DigestJob(pipeline.store, config, clock)
        self.watcher = ConfigWatcher(config, pipeline.store, pipeline.mailbox.name)  # an edited config file applies without a restart
        self.digest_check = digest_check
        self.outbox_sweep_seconds = outbox_sweep_seconds
        self.scheduler: BackgroundScheduler | None = None
        self.stop_signal = 0
        pipeline.stopping = self.stop.is_set

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> None:
        with instance_guard(self.config.data_dir, self.pipeline.store, self.pipeline.mailbox.name, self.stop.set), \
                self._signals():
            recover_interrupted(self.pipeline.store)  # before the scheduler's digest job can send
            self.scheduler = self.start_scheduler()
            log.info("shenbao running: %s, polling every %ds", self.pipeline.mailbox.name,
                     self.config.mailbox.poll_interval_seconds,
                     extra={"fields": {"pid": os.getpid(), "data_dir": str(self.config.data_dir)}})
            try:
                while not self.stop.is_set():
                    self._reload()
                    _cycle(self.pipeline)
                    wait_for_mail(self.pipeline, self.stop, self.config.mailbox.poll_interval_seconds)
            finally:
                self._wind_down()

    def _wind_down(self) -> None:
        """From the main thread (never in a signal handler): let running jobs finish, close the mailbox."""
        reason = signal.Signals(self.stop_signal).name if self.stop_signal else "stop requested"
        log.info("stopping (%s): waiting for running jobs", reason)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.pipeline.mailbox.close()
        log.info("shenbao stopped")

    @contextmanager
    def _signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
        for signum in previous:
            signal.signal(signum, self._on_signal)
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """Only sets the stop event (no logging, no shutdown here: both take locks)."""
        if self.stop.is_set():
            raise KeyboardInterrupt  # a second signal: stop waiting for the mail in hand
        self.stop_signal = signum
        self.stop.set()

    # -- the timed jobs -------------------------------------------------------------------------

    def start_scheduler(self) -> BackgroundScheduler:
        zone = ZoneInfo(self.config.campaign.timezone)
        scheduler = BackgroundScheduler(timezone=zone, executors={"default": ThreadPoolExecutor(1)},
                                        job_defaults={"max_instances": 1, "coalesce": True,
                                                      "misfire_grace_time": DIGEST_GRACE_SECONDS})
        scheduler.add_job(self._sweep_outbox, IntervalTrigger(seconds=self.outbox_sweep_seconds, timezone=zone),
                          id="outbox", name="outbox sweep", misfire_grace_time=int(self.outbox_sweep_seconds) or 1)
        self._schedule_digest(scheduler)
        scheduler.start()
        return scheduler

    def _schedule_digest(self, scheduler: BackgroundScheduler) -> None:
        if not self.digest.enabled:
            log.info("no [digest] recipients: no daily digest")
            return
        missed = self.digest.prepare()
        options: dict[str, Any] = {}
        if missed:  # a digest fell due while the service was not running: send it once, now
            options["next_run_time"] = datetime.now(scheduler.timezone)
            log.info("a digest was missed while the service was stopped: sending it now")
        scheduler.add_job(self._run_digest, self.digest_check or digest_trigger(self.config), id="digest",
                          name="daily digest", replace_existing=True, max_instances=1, coalesce=True,
                          misfire_grace_time=DIGEST_GRACE_SECONDS, **options)

    def _run_digest(self) -> None:
        if self.digest() or self.scheduler is None or self.stop.is_set():
            return
        retry_at = datetime.now(self.scheduler.timezone) + DIGEST_RETRY
        self.scheduler.add_job(self._run_digest, "date", run_date=retry_at, id="digest-retry", replace_existing=True)
        log.info("digest will be tried again at %s", retry_at.isoformat(timespec="seconds"))

    def _sweep_outbox(self) -> None:
        """Send replies that fell due meanwhile (retries), even while the mailbox cannot be reached."""
        try:
            sent, failed = send_due(self.pipeline.store, self.config, open_sender(self.config), self.clock())
        except EXPECTED as exc:
            log.error("outbox sweep failed: %s", exc)
            return
        if sent or failed:
            log.info("outbox sweep: sent %d, failed %d", sent, failed, extra={"fields": {"sent": sent, "failed": failed}})

    # -- for the config reload ------------------------------------------------------------------

    def _reload(self) -> None:
        new = self.watcher.check(self.clock())
        if new is not None:
            self.reconfigure(new)

    def reconfigure(self, config: Config) -> None:
        """Apply a new, valid config while running: mail, replies and the digest's time and recipients
        (the digest job is scheduled again on its new trigger)."""
        old = self.config
        self.config = self.pipeline.config = self.digest.config = config
        changed = (old.digest, old.campaign.timezone) != (config.digest, config.campaign.timezone)
        if self.scheduler is not None and changed:
            if not self.digest.enabled and self.scheduler.get_job("digest") is not None:
                self.scheduler.remove_job("digest")
            self._schedule_digest(self.scheduler)  # replaces the job in one step: never a moment without it
            if self.digest.enabled:
                log.info("digest rescheduled: daily at %s (%s)", config.digest.time, config.campaign.timezone)
