"""Stored attachments are derived from the raw mail: made again when a power cut lost them.

The raw mail is fsynced before its row is committed; the attachments read out of it are saved
without an fsync (``Store.save_attachment``: rewriting every file of a nomination synchronously
cost a sixth of the intake). A killed process loses nothing — the kernel still writes them — but
a power cut may leave a file empty, short or missing while the register already names it.
``file_bytes`` is how a reader gets a stored file: the bytes on disk when their SHA-256 is the
one on the register, else the same file decoded again from its raw mail (and saved again).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from pathlib import Path

from ingest.limits import Limits
from ingest.parse import parse_mail
from ingest.unpack import unpack_all
from shenbao.models import Email, StoredFile
from shenbao.store import Store

log = logging.getLogger(__name__)
SCRATCH_DIR = "tmp"  # as shenbao.intake: scratch space under data_dir


def _on_disk(store: Store, row: StoredFile) -> bytes | None:
    try:
        data = store.path(row.path).read_bytes()
    except OSError:
        return None
    return data if len(data) == row.size and hashlib.sha256(data).hexdigest() == row.sha256 else None


def _from_raw(store: Store, row: StoredFile, limits: Limits) -> bytes | None:
    """The file's bytes found again in the raw mail it came in (an attachment or an archive member)."""
    with store.session() as s:
        email = s.get(Email, row.email_id)
    if email is None or store.headers_only(email):
        return None
    try:
        attachments = [(a.filename, a.data) for a in parse_mail(store.read_raw(email)).attachments]
    except OSError:
        return None
    for _name, data in attachments:
        if hashlib.sha256(data).hexdigest() == row.sha256:
            return data
    scratch = store.path(SCRATCH_DIR)
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="derive-") as temp:
        items = unpack_all(attachments, limits, Path(temp))
    return next((item.data for item in items if item.data and hashlib.sha256(item.data).hexdigest() == row.sha256),
                None)


def file_bytes(store: Store, row: StoredFile, limits: Limits | None = None) -> bytes | None:
    """The stored file's bytes, checked against the register; None when neither the disk nor the raw
    mail has them (``limits``: the intake's, for unpacking archives again)."""
    if not row.path:
        return None
    data = _on_disk(store, row)
    if data is not None:
        return data
    data = _from_raw(store, row, limits or Limits())
    if data is not None:
        log.warning("stored file %s was damaged or missing; made again from its raw mail", row.path)
        store.path(row.path).unlink(missing_ok=True)
        store.write_file(row.path, data, durable=False)
    return data
