"""One mail's attachments read: unpacked, converted where needed, each turned into FileFacts.

This is the ingest side of "attachments become classified files": ``read_attachments`` takes
the decoded attachments and the limits and returns every file (archives and their members
included) with what reading it found. Scratch files live in a temporary directory under the
``scratch_root`` the caller gives (inside data_dir), removed before it returns.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from ingest.archives import archive_format
from ingest.budget import Caller
from ingest.convert import to_docx
from ingest.forwarded import KIND as MAIL, mail_facts
from ingest.limits import Limits, budget_refusal
from ingest.names import safe_filename
from ingest.read import BROKEN_FILE, CONVERTED_KINDS, read_file, sniff_kind
from ingest.read_pdf import page_images
from ingest.scan import OcrStep, PdfPictures, with_ocr
from ingest.types import FileFacts
from ingest.unpack import Unpacked, Unpacker, unpack, unpack_all


log = logging.getLogger(__name__)

# read_file's signature: (name, bytes, limits, what conversion made of it, sha256) -> facts
FileReader = Callable[[str, bytes, Limits, "bytes | str | None", str], FileFacts]


def budgeted(pool: Caller) -> FileReader:
    """``read_file`` in ``pool``'s worker, under ``limits.file_seconds`` of CPU per file: a file
    over it (or one that kills its worker) is unreadable with the reason, and the next goes on."""

    def read(name: str, data: bytes, limits: Limits, converted: bytes | str | None, sha256: str) -> FileFacts:
        outcome = pool.call(read_file, name, data, limits, converted, sha256, seconds=limits.file_seconds)
        if isinstance(outcome.value, FileFacts):
            return outcome.value
        log.info("%r could not be read in its worker: %s", name, outcome.failure or outcome.error)
        digest = sha256 or hashlib.sha256(data).hexdigest()
        reason = budget_refusal(limits) if outcome.failure == "timeout" else BROKEN_FILE
        return FileFacts(name, len(data), digest, sniff_kind(data), unreadable=reason)

    return read


def budgeted_pictures(pool: Caller, seconds: float) -> PdfPictures:
    """``page_images`` of an image-only PDF in ``pool``'s worker under ``seconds`` of CPU (pypdf
    decodes the pictures); none when it fails there."""

    def pictures(data: bytes) -> list[bytes]:
        outcome = pool.call(page_images, data, seconds=seconds)
        if isinstance(outcome.value, list):
            return outcome.value
        log.info("the pictures of a PDF could not be taken out in its worker: %s", outcome.failure or outcome.error)
        return []

    return pictures


ARCHIVE_BUDGET_FACTOR = 6  # an archive (all its members unpacked, nested ones too) gets this many file budgets


def budgeted_unpack(pool: Caller) -> Unpacker:
    """``unpack`` of an archive in ``pool``'s worker under ARCHIVE_BUDGET_FACTOR × ``file_seconds``;
    a plain attachment needs no unpacking and is passed on here."""

    def unpack_one(name: str, data: bytes, limits: Limits, workdir: Path, sha256: str) -> list[Unpacked]:
        if not archive_format(data):
            return unpack(name, data, limits, workdir, sha256)
        seconds = limits.file_seconds * ARCHIVE_BUDGET_FACTOR
        outcome = pool.call(unpack, name, data, limits, workdir, sha256, seconds=seconds)
        if isinstance(outcome.value, list):
            return outcome.value
        log.info("archive %r could not be unpacked in its worker: %s", name, outcome.failure or outcome.error)
        over = outcome.failure == "timeout"
        reason = budget_refusal(replace(limits, file_seconds=seconds)) if over else "压缩包已损坏，无法解压"
        return [Unpacked(safe_filename(name), b"", refused=reason)]

    return unpack_one


@dataclass(frozen=True)
class ReadFile:
    item: Unpacked  # name, bytes (b"" when refused), archive kind
    facts: FileFacts


def _refused(item: Unpacked) -> FileFacts:
    kind = sniff_kind(item.data) if item.data else "unknown"
    digest = item.sha256 or hashlib.sha256(item.data).hexdigest()
    return FileFacts(item.name, len(item.data), digest, kind, unreadable=item.refused)


def read_attachments(attachments: list[tuple[str, bytes]], limits: Limits, scratch_root: Path,
                     reader: FileReader = read_file, unpacker: Unpacker = unpack,
                     digests: Sequence[str] = (), ocr: OcrStep | None = None) -> list[ReadFile]:
    """Every file of one mail with its facts; never raises on hostile content. ``reader`` reads one
    file, ``unpacker`` one attachment (``budgeted(pool)``, ``budgeted_unpack(pool)``: in a worker,
    under the time budget); ``digests`` as for ``unpack_all``; ``ocr`` then reads the text of the
    pictures that need it, in this process."""
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix="mail-") as temp:
        workdir = Path(temp)
        items = unpack_all(attachments, limits, workdir, unpacker, digests)
        documents = {
            str(index): (item.data, PurePosixPath(item.name).suffix.lower())
            for index, item in enumerate(items)
            if item.data and not item.refused and not item.archive and sniff_kind(item.data) in CONVERTED_KINDS
        }
        converted = to_docx(documents, workdir, limits.conversion_timeout_seconds)
    out: list[ReadFile] = []
    for index, item in enumerate(items):
        if item.refused:
            facts = _refused(item)
        elif item.archive == MAIL:
            facts = mail_facts(item.name, item.data, item.sha256 or hashlib.sha256(item.data).hexdigest())
        else:
            facts = reader(item.name, item.data, limits, converted.get(str(index)), item.sha256)
            if ocr is not None and facts.sha256 not in ocr.skip:
                facts = with_ocr(facts, item.data, ocr.reader, ocr.pdf_pictures)
        out.append(ReadFile(item, facts))
    return out
