"""Reading a .docx: paragraph text, the 推荐表 fields of its tables, and the 申报单位 line.

The zip container is checked before python-docx opens it, so an archive bomb disguised as
a document is refused with a reason instead of filling memory.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from docx.document import Document as DocxDocument
from docx.oxml.document import CT_Document
from docx.oxml.parser import parse_xml
from docx.table import Table, _Cell

from ingest.formfields import FLAT_MIN_LABELS, fields_from_flat, fields_from_rows, flat_label_count, unit_from_lines

MAX_MEMBERS = 2000
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_XML_PART = 20 * 1024 * 1024  # one XML part (python-docx parses every XML part into a tree)
MIN_EMBEDDED_IMAGE = 10_000  # smaller pictures in a document are logos, seals and icons
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".emf", ".wmf")

# Hostile documents must not make table walking expensive.
_MAX_TABLES = 50
_MAX_ROWS = 300
_MAX_CELLS = 64

DOCUMENT_PART = "word/document.xml"
_OFFICE_DOCUMENT = "/officeDocument"  # the relationship type naming the main part (transitional and strict)
BOMB_REASON = "文档内部压缩数据异常（疑似压缩炸弹），无法打开"


@dataclass(frozen=True)
class DocumentContent:
    """What a document reader (docx, pdf) found."""

    text: str = ""
    form_fields: dict[str, str] = field(default_factory=dict)
    form_unit: str = ""
    unreadable: str = ""
    embedded_images: int = 0  # pictures pasted into the document (word/media), logos excluded


def zip_refusal(data: bytes) -> str:
    """A Chinese reason when the container is too big to unpack safely, "" when it is fine."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        return BOMB_REASON
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED or total > MAX_RATIO * max(len(data), 1):
        return BOMB_REASON
    if any(m.file_size > MAX_XML_PART for m in members if m.filename.lower().endswith((".xml", ".rels"))):
        return BOMB_REASON
    return ""


def embedded_images(data: bytes) -> int:
    """How many pictures (not logos: at least MIN_EMBEDDED_IMAGE bytes) the document holds."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(1 for m in archive.infolist() if m.filename.startswith("word/media/")
                   and m.filename.lower().endswith(_IMAGE_SUFFIXES) and m.file_size >= MIN_EMBEDDED_IMAGE)


def _main_part_name(archive: zipfile.ZipFile) -> str:
    """The main document part: the package's officeDocument relationship, else word/document.xml."""
    try:
        relationships = parse_xml(archive.read("_rels/.rels"))
    except KeyError:
        return DOCUMENT_PART
    for relationship in relationships:
        if str(relationship.get("Type", "")).endswith(_OFFICE_DOCUMENT):
            target = str(relationship.get("Target", "")).lstrip("/")
            return target if target in archive.namelist() else DOCUMENT_PART
    return DOCUMENT_PART


def _main_document(data: bytes) -> DocxDocument:
    """The document body alone, as python-docx's ``Document``, to read paragraphs and tables.

    ``docx.Document`` parses every XML part of the package first: styles alone run to hundreds of
    kilobytes (Word's and python-docx's templates), five times the work of the body that is read.
    Raises KeyError for a zip without a main document part, lxml's errors for broken XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        element = parse_xml(archive.read(_main_part_name(archive)))
    if not isinstance(element, CT_Document):
        raise ValueError(f"the main part is not a Word document body: <{element.tag}>")
    return DocxDocument(element, None)  # type: ignore[arg-type]  # no part: nothing here reads styles or images


def _tables(document: DocxDocument) -> Iterator[Table]:
    """Every table of the body, wherever it sits: top level, nested in a cell, or inside a text
    frame or content control (LibreOffice and WPS put floating tables in frames), capped."""
    for element in document.element.body.xpath(".//w:tbl")[:_MAX_TABLES]:
        yield Table(element, document)


def _row_texts(table: Table) -> Iterator[list[str]]:
    """Each row's cell texts, one per layout-grid column as python-docx's ``row.cells`` gives them
    (a cell spanning two columns twice, a vertically merged cell as the text of its first row),
    read from the XML once: ``row.cells`` looks each ``vMerge="continue"`` cell's origin up by
    walking the rows above from the start of the row (O(N²) in a row of N such cells: N = 20 000
    took over 45 minutes)."""
    above: dict[int, str] = {}  # grid column -> text of the cell a vertical merge continues
    for tr in table._tbl.tr_lst[:_MAX_ROWS]:
        texts: list[str] = []
        column = tr.grid_before
        for tc in tr.tc_lst:
            if len(texts) >= _MAX_CELLS:
                break
            span = max(1, tc.grid_span)
            if tc.vMerge == "continue":
                text = above.get(column, "")
            else:
                text = _Cell(tc, table).text
                for offset in range(span):
                    above[column + offset] = text
            texts.extend([text] * span)
            column += span
        yield texts[:_MAX_CELLS]


def _rows(document: DocxDocument) -> list[list[str]]:
    return [texts for table in _tables(document) for texts in _row_texts(table)]


def _distinct(cells: list[str]) -> list[str]:
    """A row's cell texts with the repeats of merged cells dropped."""
    out: list[str] = []
    for text in cells:
        if text.strip() and (not out or out[-1] != text):
            out.append(text)
    return out


def read_docx(data: bytes) -> DocumentContent:
    """Read a .docx's bytes. Raises whatever python-docx raises on a broken file."""
    refusal = zip_refusal(data)
    if refusal:
        return DocumentContent(unreadable=refusal)
    document = _main_document(data)
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    rows = _rows(document)
    fields = fields_from_rows(rows)
    unit = unit_from_lines(paragraphs) or unit_from_lines(text for row in rows for text in _distinct(row))
    text = "\n".join(paragraphs)
    if not fields and rows:
        # Not a form: a document laid out in a table still counts as text (e.g. deeds in a frame).
        table_text = "\n".join("\n".join(_distinct(row)) for row in rows)
        text = f"{text}\n{table_text}" if text.strip() else table_text
    if len(fields) < FLAT_MIN_LABELS and flat_label_count(text) >= FLAT_MIN_LABELS:
        fields = fields_from_flat(text)  # a form whose table came out as running text (an old .doc)
    return DocumentContent(text=text, form_fields=fields, form_unit=unit, embedded_images=embedded_images(data))
