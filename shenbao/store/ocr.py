"""The OCR reader intake hands to ingest: results kept in the register by the bytes' SHA-256.

A picture already read (the same screenshot sent again, a follow-up, a mail processed again
after a crash) is taken from ``ocr_results`` instead of being recognised again; the new results
are added to the mail's own transaction, so they are committed with its verdict. A failure
(the engine missing) is not kept: the next mail tries again. The recognition itself runs in the
calling process (``ingest.ocr``: one engine per process), after the file was read in its worker.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from ingest.ocr import FAILED, OcrReader, OcrText, recent_reader
from shenbao.store.models import OcrResult
from shenbao.store.db import utc_iso

log = logging.getLogger(__name__)


class StoredOcr:
    """An ``ingest.ocr.OcrReader`` over the register's ``ocr_results`` in session ``s``.

    Looking a result up never flushes the mail's pending changes (``no_autoflush``): a flush would
    take SQLite's write lock and hold it through the recognitions that follow (seconds each), while
    the fetch thread waits to store new mail. This mail's new results are added to the session and
    kept here until its commit (the same picture twice in one mail: one row)."""

    def __init__(self, s: Session, now: datetime) -> None:
        self.s = s
        self.now = now
        self.recognised = 0  # pictures recognised (not found in the register)
        self.seconds = 0.0
        self.added: dict[str, OcrText] = {}

    def __call__(self, sha256: str, data: bytes) -> OcrText:
        if sha256 in self.added:
            return self.added[sha256]
        with self.s.no_autoflush:
            kept = self.s.get(OcrResult, sha256)
        if kept is not None:
            return OcrText(kept.state, tuple(kept.text.split("\n")) if kept.text else (), seconds=0.0)
        found = recent_reader(sha256, data)
        self.recognised += 1
        self.seconds += found.seconds
        if found.state != FAILED:
            self.added[sha256] = found
            self.s.add(OcrResult(sha256=sha256, state=found.state, text=found.text, seconds=found.seconds,
                                 created_at=utc_iso(self.now)))
        log.info("OCR %s: %s, %d lines, %.2f s", sha256[:12], found.state, len(found.lines), found.seconds)
        return found


def reader_for(s: Session, enabled: bool, now: datetime) -> OcrReader | None:
    """The reader intake uses: None when ``[ocr] enabled = false``."""
    return StoredOcr(s, now) if enabled else None
