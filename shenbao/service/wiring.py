"""From a Config to the things the service works with: the store, the mailbox, the sender and the
pipeline over them. Every command opens them here, so each one gets the same settings
(the store's busy timeout included) and a test can build the same objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.mailbox import FolderMailbox, Mailbox
from notify.filebox import FileSender
from notify.send import Sender
from shenbao.config import Config
from shenbao.service.pipeline import Clock, Pipeline
from shenbao.store.db import Store
from shenbao.store.fsutil import atomic_write

if TYPE_CHECKING:  # imported where they are used, only for a real server
    from ingest.imap import ImapMailbox
    from notify.smtp import SmtpSender


def open_store(config: Config) -> Store:
    """The register, waiting up to ``storage.busy_timeout_seconds`` for another program's lock."""
    return Store(config.database_url, config.data_dir, busy_timeout_seconds=config.storage.busy_timeout_seconds)


def open_mailbox(config: Config) -> Mailbox:
    if config.mailbox.kind == "folder":
        return FolderMailbox(config.resolve(config.mailbox.path), config.mailbox.max_message_bytes)
    return open_imap(config)


def open_imap(config: Config) -> ImapMailbox:
    """The IMAP mailbox of ``config`` (``doctor`` asks it for its login steps)."""
    from ingest.imap import ImapMailbox

    cfg = config.mailbox
    if cfg.ca_file:
        cfg = cfg.model_copy(update={"ca_file": str(config.resolve(cfg.ca_file))})
    return ImapMailbox(cfg)


def open_sender(config: Config) -> Sender:
    if config.smtp.kind == "file":
        return FileSender(config.resolve(config.smtp.path), atomic_write)
    return open_smtp(config)


def open_smtp(config: Config) -> SmtpSender:
    """The SMTP sender of ``config`` (``doctor`` asks it for its login steps)."""
    from notify.smtp import SmtpSender

    cfg = config.smtp
    if cfg.ca_file:
        cfg = cfg.model_copy(update={"ca_file": str(config.resolve(cfg.ca_file))})
    return SmtpSender(cfg)


def build_pipeline(config: Config, clock: Clock) -> Pipeline:
    store, mailbox = open_store(config), open_mailbox(config)
    # on a shared register only a history of this account's UIDVALIDITY is adopted (asked of the server then)
    store.adopt_mailbox(mailbox.name, getattr(mailbox, "former_names", ()), getattr(mailbox, "uidvalidity", None))
    return Pipeline(config, store, mailbox, open_sender(config), clock)
