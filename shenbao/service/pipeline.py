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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ingest.mailbox import Mailbox
from notify.send import Sender
from shenbao.config import Config
from shenbao.store.faults import as_store_error, is_machine_failure
from shenbao.replies.outbox import send_due
from shenbao.service.progress import ProgressSink, no_progress
from shenbao.store.db import Store

log = logging.getLogger(__name__)
WAIT_SLICE_SECONDS = 0.2  # the main thread wakes this often to see a stop request


def _next_id(ids: queue.SimpleQueue[int | None], pipeline: Pipeline) -> int | None:
    """The next stored id; None when the fetch is over or a stop was requested."""
    while not pipeline.stopping():
        try:
            return ids.get(timeout=WAIT_SLICE_SECONDS)
        except queue.Empty:
            continue
    return None

Clock = Callable[[], datetime]


def process_email(store: Store, config: Config, email_id: int, now: datetime) -> None:
    """``shenbao.intake.process.process_email``, imported on first use: an idle cycle never loads the readers."""
    from shenbao.intake.process import process_email as process

    process(store, config, email_id, now)


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

    def process_one(self, email_id: int) -> bool:
        """Process one stored mail; False when it failed (its failure is recorded). A machine
        failure (the disk or the database, not the mail) is raised as StoreError: stop, lose nothing."""
        try:
            process_email(self.store, self.config, email_id, self.clock())
            return True
        except Exception as exc:  # loop boundary: record the mail's failure, go on
            if is_machine_failure(exc):
                raise as_store_error(exc, self.store) from exc
            log.exception("processing email %s failed", email_id)
            record_failure(self.store, email_id, exc)
            return False

    def process_pending(self) -> tuple[int, int]:
        processed = errors = 0
        # On a shared register each instance processes its own mailbox's mail, in order, as one
        # instance would (another mailbox's are its poller's; intake also claims each row).
        pending = self.store.pending_emails(self.mailbox.name if self.store.shared else None)
        for done, email_id in enumerate(pending, start=1):
            if self.stopping():
                break
            if self.process_one(email_id):
                processed += 1
            else:
                errors += 1
            self.progress("process", done, len(pending))
        return processed, errors

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
        fetched = processed = errors = 0
        thread.start()
        try:
            while (email_id := _next_id(ids, self)) is not None:
                fetched += 1
                if self.process_one(email_id):
                    processed += 1
                else:
                    errors += 1
                self.progress("process", fetched, None)
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
