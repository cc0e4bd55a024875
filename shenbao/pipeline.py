"""One cycle of the service: fetch new mail, process what is stored, send what is due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ingest.mailbox import FolderMailbox, Mailbox
from notify.filebox import FileSender
from notify.send import Sender
from shenbao.config import Config
from shenbao.faults import as_store_error, is_machine_failure
from shenbao.outbox import send_due
from shenbao.overlap import fetch_and_process
from shenbao.progress import ProgressSink, no_progress
from shenbao.store import Store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def process_email(store: Store, config: Config, email_id: int, now: datetime) -> None:
    """``shenbao.intake.process_email``, imported on first use: an idle cycle never loads the readers."""
    from shenbao.intake import process_email as process

    process(store, config, email_id, now)


def record_failure(store: Store, email_id: int, exc: Exception) -> None:
    from shenbao.intake import record_failure as record

    record(store, email_id, exc)


@dataclass
class CycleReport:
    fetched: int = 0
    processed: int = 0
    errors: int = 0
    sent: int = 0
    failed: int = 0


def open_mailbox(config: Config) -> Mailbox:
    if config.mailbox.kind == "folder":
        return FolderMailbox(config.resolve(config.mailbox.path), config.mailbox.max_message_bytes)
    from ingest.imap import ImapMailbox

    cfg = config.mailbox
    if cfg.ca_file:
        cfg = cfg.model_copy(update={"ca_file": str(config.resolve(cfg.ca_file))})
    return ImapMailbox(cfg)


def open_sender(config: Config) -> Sender:
    if config.smtp.kind == "file":
        return FileSender(config.resolve(config.smtp.path))
    from notify.smtp import SmtpSender

    cfg = config.smtp
    if cfg.ca_file:
        cfg = cfg.model_copy(update={"ca_file": str(config.resolve(cfg.ca_file))})
    return SmtpSender(cfg)


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
        except Exception as exc:  # noqa: BLE001 - loop boundary: record the mail's failure, go on
            if is_machine_failure(exc):
                raise as_store_error(exc, self.store) from exc
            log.exception("processing email %s failed", email_id)
            record_failure(self.store, email_id, exc)
            return False

    def process_pending(self) -> tuple[int, int]:
        processed = errors = 0
        pending = self.store.pending_emails()
        for done, email_id in enumerate(pending, start=1):
            if self.stopping():
                break
            if self.process_one(email_id):
                processed += 1
            else:
                errors += 1
            self.progress("process", done, len(pending))
        return processed, errors

    def run_once(self) -> CycleReport:
        report = CycleReport()
        report.processed, report.errors = self.process_pending()  # left over from a crash
        report.fetched, processed, errors = fetch_and_process(self)
        report.processed += processed
        report.errors += errors
        report.sent, report.failed = send_due(self.store, self.config, self.sender, self.clock())
        return report


def build_pipeline(config: Config, clock: Clock) -> Pipeline:
    store = Store(config.database_url, config.data_dir, busy_timeout_seconds=config.storage.busy_timeout_seconds)
    return Pipeline(config, store, open_mailbox(config), open_sender(config), clock)
