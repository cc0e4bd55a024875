"""OCR applied to a file already read: the text of a screenshot or a picture of a document, the
fields of a scanned or photographed form. Never raises on bad input.

Reading a file (``ingest.read.read_file``) runs in a budgeted worker (``ingest.files.budgeted``);
OCR runs afterwards in the calling process, where the engine is loaded once, and its results are
kept by the bytes' SHA-256 by the caller's ``OcrReader``. Only the pictures of an image-only PDF
are taken out by ``pdf_pictures`` (pypdf decodes them: in the worker too, ``budgeted_pictures``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ingest.classify import wants_ocr
from ingest.decoration import is_decoration
from ingest.formfields import FLAT_MIN_LABELS, fields_from_flat, flat_label_count, unit_from_lines
from ingest.ocr import EMPTY, READ, OcrReader, OcrText
from ingest.read_pdf import NO_TEXT, page_images
from ingest.types import FileFacts

log = logging.getLogger(__name__)

# (PDF bytes) -> the pictures of its first pages, as image file bytes
PdfPictures = Callable[[bytes], list[bytes]]


@dataclass(frozen=True)
class OcrStep:
    """How ``ingest.files.read_attachments`` reads text: ``reader`` recognises one picture,
    ``pdf_pictures`` takes a scanned PDF's pictures out; files whose SHA-256 is in ``skip`` (shown
    inline in the HTML body: decorations) are not read."""

    reader: OcrReader
    pdf_pictures: PdfPictures = page_images
    skip: frozenset[str] = field(default_factory=frozenset)


def _scanned(facts: FileFacts, found: OcrText) -> FileFacts:
    """``facts`` with what OCR found; a picture or scan whose text holds the form's labels gives
    the form's fields (read as running text: the value of a label is the text up to the next)."""
    state = found.state
    text = found.text if state == READ else found.reason
    if state != READ or flat_label_count(text) < FLAT_MIN_LABELS:
        unreadable = "" if state == READ and facts.unreadable == NO_TEXT else facts.unreadable
        return replace(facts, ocr_state=state, ocr_text=text, unreadable=unreadable,
                       text=text if state == READ and facts.image is None else facts.text)
    return replace(facts, ocr_state=state, ocr_text=text, scan=True, unreadable="", text=text,
                   form_fields=fields_from_flat(text), form_unit=unit_from_lines(found.lines))


def _pdf_ocr(data: bytes, ocr: OcrReader, pdf_pictures: PdfPictures) -> OcrText:
    """The OCR lines of an image-only PDF's first pages (each page's largest picture)."""
    found = [ocr(hashlib.sha256(picture).hexdigest(), picture) for picture in pdf_pictures(data)]
    lines = tuple(line for result in found for line in result.lines)
    if lines:
        return OcrText(READ, lines, seconds=sum(r.seconds for r in found))
    failed = next((r for r in found if r.reason), None)
    return failed or OcrText(EMPTY)


def needs_ocr(facts: FileFacts) -> bool:
    """A picture that may show text worth reading (``ingest.classify.wants_ocr``, never a
    decoration), or an image-only PDF."""
    if facts.image is not None:
        return not facts.unreadable and not is_decoration(facts) and wants_ocr(facts.filename, facts.image)
    return facts.kind == "pdf" and facts.unreadable == NO_TEXT


def with_ocr(facts: FileFacts, data: bytes, ocr: OcrReader, pdf_pictures: PdfPictures = page_images) -> FileFacts:
    """``facts`` of ``data`` with the text OCR reads where the file needs it (``needs_ocr``)."""
    if not needs_ocr(facts):
        return facts
    if facts.image is not None:
        return _scanned(facts, ocr(facts.sha256, data))
    try:
        return _scanned(facts, _pdf_ocr(data, ocr, pdf_pictures))
    except Exception as error:  # noqa: BLE001 - a scan whose pictures cannot be taken out stays unreadable
        log.info("could not take the pictures out of a PDF: %s: %s", type(error).__name__, error)
    return facts
