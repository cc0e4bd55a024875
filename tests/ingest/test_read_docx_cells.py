"""ingest.read_docx reads a table's cells from the XML once, as python-docx's ``row.cells`` would
give them (spans repeated, vertical merges as their first row's text), without its O(N²) walk."""

from __future__ import annotations

import io
import time

import pytest
from docx import Document

from ingest.read_docx import _MAX_CELLS, _MAX_ROWS, _main_document, _rows, read_docx
from shenbao.samples.build import deeds_docx, form_docx
from tests.reliability.stalls import vmerge_docx


def _python_docx_rows(data: bytes) -> list[list[str]]:
    document = Document(io.BytesIO(data))
    return [[cell.text for cell in row.cells[:_MAX_CELLS]] for table in document.tables
            for row in table.rows[:_MAX_ROWS]]


@pytest.mark.parametrize("data", [form_docx("王建国", "解放区总工会"), form_docx("李秀梅", "市教育工会", empty_fields=["性别"]),
                                  deeds_docx("赵海燕", 500), vmerge_docx(40)], ids=["form", "form-gaps", "deeds", "vmerge"])
def test_cells_are_read_as_python_docx_reads_them(data: bytes) -> None:
    assert _rows(_main_document(data)) == _python_docx_rows(data)


def test_a_row_of_20000_continued_vertical_merges_is_read_in_well_under_a_second() -> None:
    data = vmerge_docx(20_000)
    started = time.process_time()
    content = read_docx(data)
    assert time.process_time() - started < 1.0
    assert content.unreadable == "" and content.text.startswith("事迹材料")
