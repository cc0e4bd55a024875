"""``shenbao run``: the unattended service, one process, one mail connection.

The main thread runs the mail cycle (fetch, process, send), then waits for the next one:
in IMAP IDLE when the server offers it (so a reply goes out seconds after a mail arrives),
else ``poll_interval_seconds``. SIGTERM/SIGINT only set an event; the loop finishes the cycle
in hand and returns.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from shenbao.config import Config
from shenbao.errors import ShenbaoError, StoreError
from shenbao.pipeline import Pipeline

log = logging.getLogger(__name__)
IDLE_SLICE_SECONDS = 15.0  # re-enter IDLE this often, so a stop request is seen promptly


@contextmanager
def instance_lock(data_dir: Path) -> Iterator[IO[str]]:
    """One running service per data_dir; a second one gets a clear error, not a shared register."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "shenbao.lock").open("a+")
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
    if report.fetched or report.sent or report.errors or report.failed:
        log.info("cycle: fetched %d, processed %d, errors %d, sent %d, failed %d", report.fetched,
                 report.processed, report.errors, report.sent, report.failed)


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
        except ShenbaoError as exc:
            log.warning("IDLE unavailable (%s); polling", exc)
            wait = None
            continue
        if time.monotonic() - started < slice_seconds / 2:
            wait = None  # IDLE not offered or the connection broke: plain polling until the next cycle


def run_forever(config: Config, pipeline: Pipeline, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    with instance_lock(config.data_dir):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        log.info("shenbao running: %s, polling every %ds", pipeline.mailbox.name, config.mailbox.poll_interval_seconds)
        while not stop.is_set():
            _cycle(pipeline)
            wait_for_mail(pipeline, stop, config.mailbox.poll_interval_seconds)
        close = getattr(pipeline.mailbox, "close", None)
        if close is not None:
            close()
        log.info("shenbao stopped")
