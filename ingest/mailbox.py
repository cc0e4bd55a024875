"""The mailbox interface the pipeline reads from, and the folder-of-.eml implementation.

Only ``ingest/imap.py`` talks IMAP; this module only reads a local directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from ingest.types import Cursor, RawMail

MAX_HEADER_BYTES = 256 * 1024  # the header block kept of a mail too large to download


class Known(Protocol):
    """What the store already holds, asked by a mailbox so it fetches nothing twice."""

    def uid_seen(self, mailbox: str, uidvalidity: int, uid: str) -> bool: ...


class Mailbox(Protocol):
    name: str

    def fetch_new(self, cursor: Cursor, known: Known) -> Iterator[RawMail]:
        """Yield every message not yet stored, oldest first, one at a time."""
        ...

    def close(self) -> None:
        """End what is held open (a connection); a later fetch opens it again."""
        ...


def read_header_block(path: Path) -> bytes:
    """A message file's header block (up to and including the blank line), at most MAX_HEADER_BYTES."""
    with path.open("rb") as handle:
        head = handle.read(MAX_HEADER_BYTES)
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = head.find(separator)
        if end >= 0:
            return head[: end + len(separator)]
    return head


def folder_uid(name: str) -> str:
    """A file's UID: its name exactly as the file system holds it. Not normalised (``café.eml`` in
    NFC and in NFD are two files, so two mails); bytes that are not UTF-8 are written ``\\xff``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


class FolderMailbox:
    """A directory of ``.eml`` files. UID = the file's name (``folder_uid``); INTERNALDATE = its mtime."""

    def __init__(self, path: Path, max_message_bytes: int) -> None:
        self.path = path
        self.max_message_bytes = max_message_bytes
        self.name = f"folder:{path}"

    def close(self) -> None:
        """Nothing is held open between fetches."""

    def fetch_new(self, cursor: Cursor, known: Known) -> Iterator[RawMail]:
        from ingest.errors import MailboxError

        if not self.path.is_dir():
            raise MailboxError(f"mailbox.path {self.path}: not a readable directory (create it or fix [mailbox] path)")
        entries = sorted(p for p in self.path.iterdir() if p.suffix.lower() == ".eml" and p.is_file())
        for entry in entries:
            uid = folder_uid(entry.name)
            if known.uid_seen(self.name, 0, uid):
                continue
            stat = entry.stat()
            internaldate = datetime.fromtimestamp(stat.st_mtime, tz=timezone.utc)
            if stat.st_size > self.max_message_bytes:
                yield RawMail(self.name, 0, uid, internaldate, read_header_block(entry), stat.st_size, oversize=True)
                continue
            yield RawMail(self.name, 0, uid, internaldate, entry.read_bytes(), stat.st_size)
