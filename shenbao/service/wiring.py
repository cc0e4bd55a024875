"""From a Config to the things the service works with: the store, the mailbox, the sender and the
pipeline over them. Every command opens them here, so each one gets the same settings
(the store's busy timeout included) and a test can build the same objects."""

from __future__ import annotations

from ingest.mailbox import FolderMailbox, Mailbox
from notify.filebox import FileSender
from notify.send import Sender
from shenbao.config import Config
from shenbao.service.pipeline import Clock, Pipeline
from shenbao.store.db import Store
from shenbao.store.fsutil import atomic_write


def open_store(config: Config) -> Store:
    """The register, waiting up to ``storage.busy_timeout_seconds`` for another program's lock."""
    return Store(config.database_url, config.data_dir, busy_timeout_seconds=config.storage.busy_timeout_seconds)


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
        return FileSender(config.resolve(config.smtp.path), atomic_write)
    from notify.smtp import SmtpSender

    cfg = config.smtp
    if cfg.ca_file:
        cfg = cfg.model_copy(update={"ca_file": str(config.resolve(cfg.ca_file))})
    return SmtpSender(cfg)


def build_pipeline(config: Config, clock: Clock) -> Pipeline:
    store, mailbox = open_store(config), open_mailbox(config)
    store.adopt_mailbox(mailbox.name, getattr(mailbox, "former_names", ()))
    return Pipeline(config, store, mailbox, open_sender(config), clock)
