"""A stored mail parsed and its files read in a pool worker, ahead of its turn (``[performance] workers``).

What ``process_email`` does with a mail's bytes — parse it, unpack and read every attachment, hash
each file — needs nothing of the register, so it can run in a worker process on the other core
while the service registers the mail before it. ``prepare_mail`` is that part: it runs in a
``BudgetPool`` worker (``ingest.budget``), reads the raw mail from data_dir itself (the bytes are
not sent over), reads each file under ``[limits] file_seconds`` of CPU as the one-worker path does
(``InProcess``: in the worker, not in a second one) and sends back the parsed mail and every file's
facts. The register, the disposition and the reply are still done by the service, one mail at a
time in the order the mails were stored (``shenbao.service.parallel``), so verdicts and replies do
not depend on which worker finished first. A worker that fails (killed at its wall-clock backstop,
crashed) is no verdict: that mail is processed the ordinary way, in the service's own process.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from dataclasses import dataclass, replace
from collections.abc import Callable, Sequence
from pathlib import Path

from ingest.budget import Caller, InProcess
from ingest.limits import Limits
from ingest.types import FileFacts, ParsedMail

if TYPE_CHECKING:
    from ingest.files import ReadFile
    from ingest.ocr import OcrReader

WALL_FILES = 10  # a mail's wall-clock backstop: this many files' budgets (x4, as per file) ...
WALL_GRACE_SECONDS = 30.0  # ... plus its conversions' timeout and this


RETURNED_PART_MAX_BYTES = 1_000_000  # a bounce's returned parts up to this are searched for our Message-ID


@dataclass(frozen=True)
class PreparedFile:
    facts: FileFacts
    has_data: bool  # False: no bytes (a refused member)
    pictures: tuple[bytes, ...] | None = None  # what OCR reads in the service (the picture itself, a scan's pages); None: nothing


@dataclass(frozen=True)
class Prepared:
    parsed: ParsedMail  # attachments of RETURNED_PART_MAX_BYTES and more without their bytes (read already)
    files: tuple[PreparedFile, ...]  # each file's facts, as read in the worker (before OCR)
    inline: frozenset[str]  # SHA-256 of the pictures the HTML body shows inline and the mail does not attach


def inline_digests(parsed: ParsedMail, digests: Sequence[str]) -> frozenset[str]:
    """SHA-256 (``digests``, one per attachment) of the pictures the HTML body shows inline and the
    mail does not also attach."""
    inline = {digest for a, digest in zip(parsed.attachments, digests, strict=True) if a.inline}
    attached = {digest for a, digest in zip(parsed.attachments, digests, strict=True) if not a.inline}
    return frozenset(inline - attached)


def read_files(parsed: ParsedMail, limits: Limits, scratch_root: Path, caller: Caller, ocr: OcrReader | None = None,
               send_pictures: bool = False) -> tuple[tuple[PreparedFile, ...], frozenset[str]]:
    """Every attachment of ``parsed`` read (archives unpacked into their members, each its own file)
    through ``caller`` (the service's reader worker, or ``InProcess`` in a pool worker): each file's
    facts, with the text ``ocr`` reads of the pictures that need it (never the inline ones), or with
    ``send_pictures`` those pictures for the service's OCR (``ocr_prepared``); and the inline
    pictures' digests. The readers are imported here, on first use: the service itself seldom needs them (30 MB)."""
    from ingest.files import budgeted, budgeted_pictures, budgeted_unpack, read_attachments
    from ingest.scan import OcrStep

    attachments = [(a.filename, a.data) for a in parsed.attachments]
    digests = [hashlib.sha256(a.data).hexdigest() for a in parsed.attachments]  # the one hashing of each
    inline = inline_digests(parsed, digests)
    step = None if ocr is None else OcrStep(ocr, budgeted_pictures(caller, limits.file_seconds), skip=inline)
    read = read_attachments(attachments, limits, scratch_root, budgeted(caller), budgeted_unpack(caller), digests, step)
    return tuple(PreparedFile(r.facts, bool(r.item.data), _pictures(r, limits, inline) if send_pictures else None)
                 for r in read), inline


def _pictures(read: ReadFile, limits: Limits, inline: frozenset[str]) -> tuple[bytes, ...] | None:
    """What OCR will read of a file that needs it (``ingest.scan.needs_ocr``, not shown inline): a
    picture itself, a scanned PDF's page pictures (taken out here under ``file_seconds``); None: nothing."""
    from ingest.files import budgeted_pictures
    from ingest.scan import needs_ocr

    if not read.item.data or read.facts.sha256 in inline or not needs_ocr(read.facts):
        return None
    if read.facts.image is not None:
        return (read.item.data,)
    return tuple(budgeted_pictures(InProcess(), limits.file_seconds)(read.item.data))


def prepare_mail(raw_path: str, limits: Limits, scratch_root: str, ocr: bool = False) -> Prepared:
    """In a pool worker: the raw mail at ``raw_path`` parsed and every attachment read; with ``ocr``
    (``[ocr] enabled``) the pictures OCR needs sent back with the facts (OCR itself runs in the
    service, ``ocr_prepared``, where its engine and the register's cache are). The big attachments'
    bytes stay here: the service needs only the small ones (a bounce's returned parts)."""
    from ingest.memory import release
    from ingest.parse import parse_mail

    release()  # what the worker's last mail left in glibc's arenas, before this one's peak
    parsed = parse_mail(Path(raw_path).read_bytes())
    files, inline = read_files(parsed, limits, Path(scratch_root), InProcess(), send_pictures=ocr)
    light = tuple(a if len(a.data) < RETURNED_PART_MAX_BYTES else replace(a, data=b"") for a in parsed.attachments)
    return Prepared(replace(parsed, attachments=light), files, inline)


def ocr_prepared(files: tuple[PreparedFile, ...], ocr: OcrReader | None) -> tuple[PreparedFile, ...]:
    """The files a worker read, with the text ``ocr`` (the service's, over the register's cache)
    reads of the pictures the worker sent back: what ``read_files`` with ``ocr`` gives."""
    from ingest.scan import with_ocr

    if ocr is None:
        return files
    out = []
    for f in files:
        if f.pictures is None:
            out.append(f)
            continue
        data = f.pictures[0] if f.facts.image is not None else b""
        out.append(replace(f, facts=with_ocr(f.facts, data, ocr, _taken_out(f.pictures)), pictures=None))
    return tuple(out)


def _taken_out(pictures: tuple[bytes, ...]) -> Callable[[bytes], list[bytes]]:
    """``ingest.scan.PdfPictures`` giving the page pictures the worker already took out."""
    return lambda _pdf: list(pictures)


def wall_seconds(limits: Limits) -> float:
    """How long a worker may take over one mail before it is killed (its mail then read in the service)."""
    return WALL_FILES * 4 * limits.file_seconds + limits.conversion_timeout_seconds + WALL_GRACE_SECONDS
