"""Reading a PDF's text with pypdf, and the 推荐表 fields from a form printed to PDF.

A PDF keeps no table cells, only words in reading order, and a label wrapped in its cell
comes out in pieces ("工作单位" / "及职务"). Fields are found by joining up to a few words
into a known label (the longest that matches) and taking the words up to the next label as
its value. Encrypted PDFs that need a password are refused with a reason that says "加密".
Hostile PDFs are bounded: only the first pages and characters are read.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from ingest.formfields import label_key, unit_from_lines
from ingest.read_docx import DocumentContent

if TYPE_CHECKING:
    from pypdf import PdfReader

log = logging.getLogger(__name__)

MAX_PAGES = 60
MAX_CHARS = 300_000
_MAX_LABEL_WORDS = 8
_MAX_FIELD_WORDS = 5000
ENCRYPTED = "PDF 文件已加密（设有打开密码），无法读取"
NO_TEXT = "PDF 中没有可读取的文字（可能是扫描件或图片），请改发 Word（.docx）电子版"


def _reader(data: bytes) -> PdfReader:
    """pypdf's reader of ``data``; pypdf (25 MB) is imported here, when a PDF is read."""
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data), strict=False)


def _label_at(words: list[str], start: int) -> tuple[str, int] | None:
    """(canonical label, words it spans) for the longest label starting at ``start``."""
    best: tuple[str, int] | None = None
    joined = ""
    for count in range(1, min(_MAX_LABEL_WORDS, len(words) - start) + 1):
        joined += words[start + count - 1]
        key = label_key(joined)
        if key is not None:
            best = (key, count)
    return best


def fields_from_words(words: list[str]) -> dict[str, str]:
    """Label -> value from a form's words in reading order (see the module docstring)."""
    fields: dict[str, str] = {}
    words = words[:_MAX_FIELD_WORDS]
    index = 0
    current: str | None = None
    value: list[str] = []
    while index < len(words):
        found = _label_at(words, index)
        if found is None:
            if current is not None:
                value.append(words[index])
            index += 1
            continue
        if current is not None and (current not in fields or not fields[current]):
            fields[current] = "".join(value)
        current, value = found[0], []
        index += found[1]
    if current is not None and (current not in fields or not fields[current]):
        fields[current] = "".join(value)
    return fields


MAX_SCAN_PAGES = 2  # an image-only PDF is read by OCR from its first pages: the form is one or two
MAX_SCAN_IMAGE_BYTES = 30_000_000


def page_images(data: bytes) -> list[bytes]:
    """The largest picture of each of the first ``MAX_SCAN_PAGES`` pages, as image file bytes
    (what pypdf makes of the page's image XObjects: JPEG for DCT, PNG otherwise)."""
    reader = _reader(data)
    out: list[bytes] = []
    for page in reader.pages[:MAX_SCAN_PAGES]:
        pictures = [image.data for image in page.images if len(image.data) <= MAX_SCAN_IMAGE_BYTES]
        if pictures:
            out.append(max(pictures, key=len))
    return out


def read_pdf(data: bytes) -> DocumentContent:
    """Read a PDF's bytes. Raises what pypdf raises on a broken file."""
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    reader = _reader(data)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):  # owner-password-only PDFs open with the empty user password
                return DocumentContent(unreadable=ENCRYPTED)
        except (FileNotDecryptedError, PdfReadError, NotImplementedError):
            return DocumentContent(unreadable=ENCRYPTED)
    parts: list[str] = []
    size = 0
    for page in reader.pages[:MAX_PAGES]:
        try:
            text = page.extract_text() or ""
        except FileNotDecryptedError:
            return DocumentContent(unreadable=ENCRYPTED)
        parts.append(text)
        size += len(text)
        if size >= MAX_CHARS:
            break
    text = "\n".join(parts)[:MAX_CHARS]
    if not "".join(text.split()):
        return DocumentContent(unreadable=NO_TEXT)
    lines = text.splitlines()
    return DocumentContent(text=text, form_fields=fields_from_words(text.split()), form_unit=unit_from_lines(lines))
