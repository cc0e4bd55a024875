"""Read one attachment's bytes into FileFacts. Never raises on bad input.

``kind`` comes from the content (magic bytes), never from the name: a PNG called ``x.jpg``
is a PNG. Anything a parser cannot cope with becomes ``FileFacts.unreadable``, a short
Chinese reason that the reply can quote.
"""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from ingest.archives import archive_format
from ingest.formfields import fields_from_lines, unit_from_lines
from ingest.limits import IMAGE_TOO_LARGE, Limits
from ingest.read_docx import DocumentContent, read_docx
from ingest.read_image import PILLOW_FORMATS, decoders, heif_header, read_image
from ingest.read_office import OLE2_MAGIC, RTF_MAGIC, ole_kind
from ingest.ocr import OcrReader
from ingest.read_pdf import read_pdf
from ingest.scan import with_ocr
from ingest.types import FileFacts, ImageInfo

log = logging.getLogger(__name__)

EMPTY = "文件为空（0 字节）"
BROKEN_FILE = "文件已损坏，无法打开"
BROKEN_IMAGE = "图片不完整或已损坏"
OLD_OFFICE = "旧版 Word（.doc/.wps）或 RTF 文档未能转换，暂无法读取，请另存为 .docx 后发送"
CONVERTED_KINDS = frozenset({"doc", "rtf"})  # read through a .docx made by ingest.convert

_OLE2 = OLE2_MAGIC
_HEIF_BRANDS = {
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1", b"avif", b"avis",
}
_BMP_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}
_TEXT_SAMPLE = 100_000  # characters inspected for control codes
_TEXT_CONTROLS_ALLOWED = {"\t", "\n", "\r", "\f", "\x1a"}


@dataclass(frozen=True)
class _Reading:
    text: str = ""
    form_fields: dict[str, str] = field(default_factory=dict)
    form_unit: str = ""
    image: ImageInfo | None = None
    unreadable: str = ""
    embedded_images: int = 0


def _is_zip_docx(data: bytes) -> bool | None:
    """True for a zip holding word/document.xml, False for another zip, None for a broken one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def decode_text(data: bytes) -> str | None:
    """The text of ``data`` when it is plain text in UTF-8 (BOM ok), UTF-16 with BOM or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:_TEXT_SAMPLE]
        controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS_ALLOWED)
        if "\x00" not in text and controls <= len(sample) // 100:
            return text
    return None


def sniff_kind(data: bytes) -> str:
    """The content kind of ``data`` from its magic bytes (see FileFacts.kind)."""
    head = data[:32]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "docx" if _is_zip_docx(data) else "zip"
    archive = archive_format(head)
    if archive:
        return archive
    if head.startswith(_OLE2):
        return ole_kind(data)[0]
    if head.startswith(RTF_MAGIC):
        return "rtf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM") and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return "bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heif"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if not head.startswith(_OLE2) and decode_text(data) is not None:
        return "txt"
    return "unknown"


def _from_document(content: DocumentContent) -> _Reading:
    return _Reading(content.text, content.form_fields, content.form_unit, unreadable=content.unreadable,
                    embedded_images=content.embedded_images)


def _read_txt(data: bytes) -> _Reading:
    text = decode_text(data) or ""
    lines = text.splitlines()
    return _Reading(text, fields_from_lines(lines), unit_from_lines(lines))


def _image_reader(kind: str) -> Callable[[bytes, Limits], _Reading]:
    def read(data: bytes, limits: Limits) -> _Reading:
        formats = decoders(kind, data)
        if not formats:  # HEIF without a decoder plugin: what the header says is still useful
            return _Reading(image=heif_header(data))
        return _Reading(image=read_image(data, formats, limits.max_image_pixels))

    return read


_READERS: dict[str, Callable[[bytes, Limits], _Reading]] = {
    "docx": lambda data, limits: _from_document(read_docx(data)),
    "txt": lambda data, limits: _read_txt(data),
    "pdf": lambda data, limits: _from_document(read_pdf(data)),
    **{kind: _image_reader(kind) for kind in PILLOW_FORMATS},
}


def _failure_reason(kind: str, error: Exception) -> str:
    if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return IMAGE_TOO_LARGE
    return BROKEN_IMAGE if kind in PILLOW_FORMATS else BROKEN_FILE


def _read(kind: str, data: bytes, limits: Limits, converted: bytes | str | None) -> _Reading:
    if kind == "zip" and _is_zip_docx(data) is None:
        return _Reading(unreadable=BROKEN_FILE)
    if kind == "unknown" and data.startswith(_OLE2):
        return _Reading(unreadable=ole_kind(data)[1])
    if kind in CONVERTED_KINDS:
        if not isinstance(converted, bytes):
            return _Reading(unreadable=converted or OLD_OFFICE)
        kind, data = "docx", converted
    reader = _READERS.get(kind)
    if reader is None:
        return _Reading()
    try:
        return reader(data, limits)
    except Exception as error:  # noqa: BLE001 - hostile bytes may break a parser in any way; record it
        log.info("could not read %s content: %s: %s", kind, type(error).__name__, error)
        return _Reading(unreadable=_failure_reason(kind, error))


def read_file(filename: str, data: bytes, limits: Limits | None = None, converted: bytes | str | None = None,
              sha256: str = "", ocr: OcrReader | None = None) -> FileFacts:
    """Everything the rest of the service needs to know about one file's bytes.

    ``converted`` is what ingest.convert made of a .doc/.wps/.rtf (kind "doc"/"rtf"): the .docx
    bytes, or the Chinese reason it could not be converted. ``sha256``: of ``data``, when the
    caller has hashed it already. ``ocr``: reads the text of pictures and image-only PDFs that
    need it (``ingest.scan.with_ocr``: screenshots, pictures of documents; never camera photos);
    None: no OCR (the service reads in a worker and applies OCR afterwards).
    """
    digest = sha256 or hashlib.sha256(data).hexdigest()
    if not data:
        return FileFacts(filename, 0, digest, "unknown", unreadable=EMPTY)
    kind = sniff_kind(data)
    reading = _read(kind, data, limits or Limits(), converted)
    facts = FileFacts(
        filename=filename,
        size=len(data),
        sha256=digest,
        kind=kind,
        text=reading.text,
        form_fields=reading.form_fields,
        form_unit=reading.form_unit,
        image=reading.image,
        unreadable=reading.unreadable,
        embedded_images=reading.embedded_images,
    )
    return facts if ocr is None else with_ocr(facts, data, ocr)
