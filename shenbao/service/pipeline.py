"""One cycle of the service: fetch new mail, process what is stored, send what is due.

Fetching and processing side by side (``Pipeline.fetch_and_process``): a thread stores new mail
while the main thread processes it. A cycle used to fetch (and store) every new mail, then process them all; on a full mailbox the
two halves take about as long, and the fetch mostly waits on the socket and the disk. Here
``Pipeline.fetch`` runs unchanged in a thread — raw bytes and row first, so "no mail is lost"
holds as before — and hands each committed id through a queue to the main thread, which
processes the mails in the order they were stored, as the sequential cycle did.

Only the fetch thread touches the mailbox (``ingest.imap`` keeps one connection and is not
thread-safe) and the thread is always joined before this returns, so the daemon's IDLE wait
afterwards has the connection to itself. The store is shared: each call opens its own session
(SQLite in WAL mode; a writer waits up to ``storage.busy_timeout_seconds`` for the other).
An error of the fetch (mailbox unreachable, disk full) is raised once the mail already stored
has been processed; a machine failure while processing, or a stop request, ends the fetch
after the mail in hand. Memory stays flat: the queue holds ids, each side one mail's bytes.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ingest.mailbox import Mailbox
from notify.send import Sender
from shenbao.config import Config
from shenbao.store.faults import as_store_error, is_machine_failure
from shenbao.replies.outbox import send_due
from shenbao.service.progress import ProgressSink, no_progress
from shenbao.store.db import Store

if TYPE_CHECKING:
    from shenbao.intake.prepare import Prepared
    from shenbao.service.parallel import Ahead

log = logging.getLogger(__name__)
WAIT_SLICE_SECONDS = 0.2  # the main thread wakes this often to see a stop request
POOL_MIN_WAITING = 3  # the workers start once this many stored mails (or the end marker) wait behind the one in hand


def _next_id(ids: queue.SimpleQueue[int | None], pipeline: Pipeline) -> int | None:
    """The next stored id; None when the fetch is over or a stop was requested."""
    while not pipeline.stopping():
        try:
            return ids.get(timeout=WAIT_SLICE_SECONDS)
        except queue.Empty:
            continue
    return None

Clock = Callable[[], datetime]


def _one_by_one(first: int, ids: queue.SimpleQueue[int | None], pipeline: Pipeline) -> Iterator[tuple[int, Prepared | None]]:
    """Each id in order, processed in this process; with ``[performance] workers`` > 1 handed over
    to the workers (``_read_ahead``) as soon as enough mail waits (``Pipeline.ahead_for``): a cycle
    over one or two mails does not pay the pool's start-up (about 0.5 s)."""
    email_id: int | None = first
    while email_id is not None:
        ahead = pipeline.ahead_for(ids.qsize())
        if ahead is not None:
            yield from _read_ahead(email_id, ids, pipeline, ahead)
            return
        yield email_id, None
        email_id = _next_id(ids, pipeline)


def _read_ahead(first: int, ids: queue.SimpleQueue[int | None], pipeline: Pipeline,
                ahead: Ahead) -> Iterator[tuple[int, Prepared | None]]:
    """Each id in order with its preparation, keeping up to ``ahead.size`` mails in the workers."""
    ahead.add(first)
    ended = False
    while not pipeline.stopping():
        while not ended and not ahead.full():
            try:
                got = ids.get(timeout=WAIT_SLICE_SECONDS) if ahead.empty() else ids.get_nowait()
            except queue.Empty:
                if ahead.empty() and not pipeline.stopping():
                    continue
                break
            ended = got is None
            if got is not None:
                ahead.add(got)
        if ahead.empty():
            return
        yield ahead.next()


def process_email(store: Store, config: Config, email_id: int, now: datetime, prepared: Prepared | None = None) -> None:
    """``shenbao.intake.process.process_email``, imported on first use: an idle cycle never loads the readers."""
    from shenbao.intake.process import process_email as process

    process(store, config, email_id, now, prepared)


def record_failure(store: Store, email_id: int, exc: Exception) -> None:
    from shenbao.intake.process import record_failure as record

    record(store, email_id, exc)


@dataclass
class CycleReport:
    fetched: int = 0
    processed: int = 0
    errors: int = 0
    sent: int = 0
    failed: int = 0


class Pipeline:
    def __init__(self, config: Config, store: Store, mailbox: Mailbox, sender: Sender, clock: Clock) -> None:
        self.config, self.store, self.mailbox, self.sender, self.clock = config, store, mailbox, sender, clock
        self.progress: ProgressSink = no_progress  # told (stage, done, total) after each mail
        self.stopping: Callable[[], bool] = lambda: False  # checked between mails: finish the one in hand, stop
        self._ahead: Ahead | None = None  # [performance] workers > 1: mails read in workers, started when first needed

    def ahead_for(self, waiting: int) -> Ahead | None:
        """The workers that read stored mail ahead of its turn, once started, or started now when
        ``waiting`` (stored mails queued behind the one in hand) reaches ``POOL_MIN_WAITING``;
        None with ``[performance] workers = 1`` or too little mail."""
        if self._ahead is None and self.config.performance.workers > 1 and waiting >= POOL_MIN_WAITING:
            from shenbao.service.parallel import Ahead

            log.info("reading stored mail ahead in %d worker processes (%d waiting)",
                     self.config.performance.workers, waiting)
            self._ahead = Ahead(self.store, self.config, self.config.performance.workers)
        return self._ahead

    def fetch(self, stored: Callable[[int], None] | None = None, stopping: Callable[[], bool] | None = None) -> int:
        """Store every new message, raw bytes and row first; nothing is parsed here.

        ``stored`` is told the id of each mail once its row is committed (instead of progress);
        ``stopping`` replaces ``self.stopping``, checked after each mail."""
        count = 0
        stop = stopping or self.stopping
        cursor = self.store.cursor(self.mailbox.name)
        for raw in self.mailbox.fetch_new(cursor, self.store):
            email = self.store.save_raw(raw, self.clock())
            del raw  # else it is held while the mailbox reads the next one: two mails in memory
            if email is not None:
                count += 1
                if stored is None:
                    self.progress("fetch", count, None)
                else:
                    stored(email.id or 0)
            if stop():
                break
        return count

    def process_one(self, email_id: int, prepared: Prepared | None = None) -> bool:
        """Process one stored mail; False when it failed (its failure is recorded). A machine
        failure (the disk or the database, not the mail) is raised as StoreError: stop, lose nothing."""
        try:
            process_email(self.store, self.config, email_id, self.clock(), prepared)
            return True
        except Exception as exc:  # loop boundary: record the mail's failure, go on
            if is_machine_failure(exc):
                raise as_store_error(exc, self.store) from exc
            log.exception("processing email %s failed", email_id)
            record_failure(self.store, email_id, exc)
            return False

    def process_pending(self) -> tuple[int, int]:
        # On a shared register each instance processes its own mailbox's mail, in order, as one
        # instance would (another mailbox's are its poller's; intake also claims each row).
        pending = self.store.pending_emails(self.mailbox.name if self.store.shared else None)
        ids: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        for email_id in (*pending, None):
            ids.put(email_id)
        _taken, processed, errors = self.process_queue(ids, len(pending))
        return processed, errors

    def process_queue(self, ids: queue.SimpleQueue[int | None], total: int | None = None) -> tuple[int, int, int]:
        """Process the stored mails whose ids come through ``ids`` (None: no more), in that order:
        (ids taken, processed, errors). With workers each is read ahead in a worker (``Ahead``);
        they are started only once enough mail waits (an idle cycle loads no reader, a cycle over
        one or two mails reads them here)."""
        first = _next_id(ids, self)
        if first is None:
            return 0, 0, 0
        processed = errors = dropped = 0
        try:
            for email_id, prepared in _one_by_one(first, ids, self):
                if self.process_one(email_id, prepared):
                    processed += 1
                else:
                    errors += 1
                self.progress("process", processed + errors, total)
        finally:
            if self._ahead is not None:
                dropped = self._ahead.drop()  # a stop or a machine failure: what is not handed back stays stored
        return processed + errors + dropped, processed, errors

    def fetch_and_process(self) -> tuple[int, int, int]:
        """Fetch new mail in a thread while processing each stored one here: (fetched, processed, errors)."""
        ids: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        failure: list[BaseException] = []
        done = threading.Event()  # set by the main thread: fetch nothing more

        def fetch() -> None:
            try:
                self.fetch(stored=ids.put, stopping=lambda: done.is_set() or self.stopping())
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread, raised there
                failure.append(exc)
            finally:
                ids.put(None)

        thread = threading.Thread(target=fetch, name="shenbao-fetch", daemon=True)
        thread.start()
        try:
            fetched, processed, errors = self.process_queue(ids)
        finally:
            done.set()
            thread.join()
        while not ids.empty():  # the thread is joined: stored after a stop request, processed next cycle
            fetched += ids.get_nowait() is not None
        if failure:
            raise failure[0]
        return fetched, processed, errors

    def run_once(self) -> CycleReport:
        report = CycleReport()
        report.processed, report.errors = self.process_pending()  # left over from a crash
        report.fetched, processed, errors = self.fetch_and_process()
        report.processed += processed
        report.errors += errors
        report.sent, report.failed = send_due(self.store, self.config, self.sender, self.clock())
        return report
