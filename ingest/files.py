"""One mail's attachments read: unpacked, converted where needed, each turned into FileFacts.

This is the ingest side of "attachments become classified files": ``read_attachments`` takes
the decoded attachments and the limits and returns every file (archives and their members
included) with what reading it found. Scratch files live in a temporary directory under the
``scratch_root`` the caller gives (inside data_dir), removed before it returns.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.convert import to_docx
from ingest.limits import Limits
from ingest.ocr import OcrReader
from ingest.read import CONVERTED_KINDS, read_file, sniff_kind
from ingest.types import FileFacts
from ingest.unpack import Unpacked, unpack_all


@dataclass(frozen=True)
class ReadFile:
    item: Unpacked  # name, bytes (b"" when refused), archive kind
    facts: FileFacts


def _refused(item: Unpacked) -> FileFacts:
    kind = sniff_kind(item.data) if item.data else "unknown"
    digest = item.sha256 or hashlib.sha256(item.data).hexdigest()
    return FileFacts(item.name, len(item.data), digest, kind, unreadable=item.refused)


def read_attachments(attachments: list[tuple[str, bytes]], limits: Limits, scratch_root: Path,
                     ocr: OcrReader | None = None) -> list[ReadFile]:
    """Every file of one mail with its facts (``ocr``: see ``ingest.read.read_file``); never raises on hostile content."""
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix="mail-") as temp:
        workdir = Path(temp)
        items = unpack_all(attachments, limits, workdir)
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
        else:
            facts = read_file(item.name, item.data, limits, converted.get(str(index)), item.sha256, ocr)
        out.append(ReadFile(item, facts))
    return out
