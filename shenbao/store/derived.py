"""A stored attachment's bytes, from its raw mail: the raw mail is the one stored copy.

Intake stores the raw mail (fsynced before its row is committed) and, for every attachment and
archive member, its facts and a content-addressed place under ``files/`` — but not its bytes a
second time (``DataDir.attachment_path``). ``file_bytes`` is how every reader (web view,
thumbnails, materials export) gets a file: from its place when the bytes there are the ones on
the register (SHA-256), else decoded again from the raw mail; then every file of that mail is
written to its place, so the next read, or the mail's other files, are plain reads. A file a
crash or a power cut damaged is made again the same way.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import tempfile
from pathlib import Path

from sqlmodel import select

from ingest.limits import Limits
from ingest.parse import parse_mail
from ingest.unpack import unpack_all
from shenbao.store.models import Email, StoredFile
from shenbao.store.db import Store

log = logging.getLogger(__name__)
SCRATCH_DIR = "tmp"  # as shenbao.intake.process: scratch space under data_dir


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _on_disk(store: Store, row: StoredFile) -> bytes | None:
    try:
        data = store.path(row.path).read_bytes()
    except OSError:
        return None
    return data if len(data) == row.size and _digest(data) == row.sha256 else None


def _files_of_raw(store: Store, email: Email, limits: Limits) -> dict[str, bytes]:
    """SHA-256 -> bytes of every attachment and archive member of a stored raw mail."""
    try:
        attachments = [(a.filename, a.data) for a in parse_mail(store.read_raw(email)).attachments]
    except OSError:
        return {}
    scratch = store.path(SCRATCH_DIR)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="derive-") as temp:
        items = unpack_all(attachments, limits, Path(temp))  # each attachment itself, and archives' members
    return {item.sha256 or _digest(item.data): item.data for item in items if item.data}


def _fill(store: Store, email_id: int, limits: Limits) -> dict[str, bytes]:
    """Write every file of one email to its place, from the raw mail; returns the files by SHA-256."""
    with store.session() as s:
        email = s.get(Email, email_id)
        rows = list(s.exec(select(StoredFile).where(StoredFile.email_id == email_id)))
    if email is None or store.headers_only(email):
        return {}
    found = _files_of_raw(store, email, limits)
    for row in rows:
        data = found.get(row.sha256)
        if row.path and data is not None and _on_disk(store, row) is None:
            try:
                store.path(row.path).unlink(missing_ok=True)
                store.write_file(row.path, data, durable=False)  # a cache of the raw mail: no fsync needed
            except OSError as exc:
                if exc.errno != errno.ENAMETOOLONG:
                    raise
                # a place named before names were capped in bytes: the file is served from its raw mail
                log.info("stored file %s: its place cannot exist (name too long); read from the raw mail", row.id)
    return found


def file_bytes(store: Store, row: StoredFile, limits: Limits | None = None) -> bytes | None:
    """The stored file's bytes, checked against the register; None when neither its place nor its
    raw mail has them (``limits``: the intake's, for unpacking archives again)."""
    if not row.path:
        return None
    data = _on_disk(store, row)
    if data is None:
        found = _fill(store, row.email_id, limits or Limits())
        data = _on_disk(store, row) or found.get(row.sha256)
        if data is None:
            log.warning("stored file %s: not in data_dir nor in its raw mail", row.path)
    return data
