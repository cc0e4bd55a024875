"""``shenbao run``: the unattended service. APScheduler 3.x in one process.

Jobs: the mail cycle (fetch, process, send) every ``poll_interval_seconds``, woken early by
IMAP IDLE when the server offers it. SIGTERM/SIGINT set an event; the main thread then lets
the scheduler finish the cycle in hand and wind down (never ``shutdown()`` in the handler).
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from apscheduler.schedulers.background import BackgroundScheduler

from shenbao.config import Config
from shenbao.errors import ShenbaoError, StoreError
from shenbao.pipeline import Clock, Pipeline

log = logging.getLogger(__name__)
MAIL_JOB = "mail-cycle"


@contextmanager
def instance_lock(data_dir: Path) -> Iterator[IO[str]]:
    """One running service per data_dir; a second one gets a clear error, not a shared register."""
    path = data_dir / "shenbao.lock"
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreError(f"{data_dir}: already served by {holder} (stop it first; one shenbao per data_dir)") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    try:
        yield handle
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _cycle(pipeline: Pipeline) -> None:
    try:
        report = pipeline.run_once()
    except ShenbaoError as exc:
        log.error("mail cycle failed, will retry next poll: %s", exc)
        return
    if report.fetched or report.sent or report.errors:
        log.info("cycle: fetched %d, processed %d, errors %d, sent %d, failed %d", report.fetched,
                 report.processed, report.errors, report.sent, report.failed)


def _idle_watch(pipeline: Pipeline, scheduler: BackgroundScheduler, stop: threading.Event, clock: Clock) -> None:
    """Wake the mail job as soon as the server announces new mail (IMAP IDLE)."""
    wait = getattr(pipeline.mailbox, "wait_for_news", None)
    if wait is None:
        return
    while not stop.is_set():
        try:
            news = wait(25.0)
        except ShenbaoError as exc:
            log.warning("IDLE failed (%s); polling only", exc)
            stop.wait(pipeline.config.mailbox.poll_interval_seconds)
            continue
        if not news:
            if stop.wait(1.0):
                return
            continue
        job = scheduler.get_job(MAIL_JOB)
        if job is not None:
            job.modify(next_run_time=clock())


def run_forever(config: Config, pipeline: Pipeline, clock: Clock, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    with instance_lock(config.data_dir):
        scheduler = BackgroundScheduler(timezone=config.campaign.timezone)
        interval = config.mailbox.poll_interval_seconds
        scheduler.add_job(_cycle, "interval", args=[pipeline], id=MAIL_JOB, seconds=interval,
                          next_run_time=clock(), max_instances=1, coalesce=True, misfire_grace_time=interval)
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        scheduler.start()
        if config.mailbox.kind == "imap" and config.mailbox.idle:
            threading.Thread(target=_idle_watch, args=(pipeline, scheduler, stop, clock), daemon=True,
                             name="imap-idle").start()
        log.info("shenbao running: %s every %ds", pipeline.mailbox.name, interval)
        stop.wait()
        log.info("stopping: finishing the cycle in hand")
        scheduler.shutdown(wait=True)
