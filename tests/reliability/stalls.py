"""Small files that take a reader hours (issue 18): each is a few hundred KB at most.

- ``vmerge_docx``: a .docx whose table's second row has N cells marked ``vMerge="continue"``:
  python-docx's ``row.cells`` finds each one's origin by walking the row again (O(N²)).
- four PDFs: one content stream shared by many pages, a page tree whose Kids point back at
  itself, form XObjects that each draw the next one twice (2**40 drawings), arrays nested
  100 000 deep.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from shenbao.samples.build import deeds_docx

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def vmerge_docx(cells: int = 20_000) -> bytes:
    """A real .docx (a deeds document's package) whose body is a two-row table: the first row N
    cells that start a vertical merge, the second N cells that continue it."""
    first = "".join('<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>'
                    for _ in range(cells))
    second = '<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>' * cells
    body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_W}><w:body>'
            '<w:p><w:r><w:t>事迹材料</w:t></w:r></w:p>'
            f'<w:tbl><w:tr>{first}</w:tr><w:tr>{second}</w:tr></w:tbl></w:body></w:document>').encode()
    source = zipfile.ZipFile(io.BytesIO(deeds_docx("赵海燕", 200)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as docx:
        for item in source.infolist():
            docx.writestr(item.filename, body if item.filename == "word/document.xml" else source.read(item))
    return out.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object n is objects[n - 1]; 1 is the catalog) with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(content, 9)
    return b"<< /Length %d /Filter /FlateDecode %s >>\nstream\n" % (len(packed), extra) + packed + b"\nendstream"


_FONT = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def shared_stream_pdf(pages: int = 60, operations: int = 600_000) -> bytes:
    """``pages`` pages whose /Contents is one and the same stream of ``operations`` text operators
    (4 MB unpacked, 19 KB packed): each page parses it again."""
    content = b"BT /F1 1 Tf " + b"(a) Tj " * operations + b"ET"
    kids = b" ".join(b"%d 0 R" % (4 + n) for n in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
               _stream(content)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R %s >>" % _FONT] * pages
    return _pdf(objects)


def looping_tree_pdf() -> bytes:
    """A page tree whose inner node lists itself (and the root) among its kids, claiming a million pages."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 1000000 >>",
                 b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R 4 0 R] /Count 1000000 >>",
                 b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] >>"])


def drawing_forms_pdf(levels: int = 40, operations: int = 20_000) -> bytes:
    """A page drawing form X0; each form Xk shows ``operations`` words and draws X(k+1) twice:
    2**levels drawings (pypdf stops at 5000 of them: still 10**8 operators to parse)."""
    first = 5  # object number of X0
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /XObject << /X %d 0 R >> >> >>" % first, _stream(b"/X Do")]
    for level in range(levels):
        last = level == levels - 1
        words = b"BT /F1 1 Tf " + b"(a) Tj " * operations + b"ET "
        content = words if last else words + b"/X Do /X Do"
        inner = b"/XObject << /X %d 0 R >>" % (first + level + 1) if not last else b""
        resources = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> %s >>" % inner
        objects.append(_stream(content, b"/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources " + resources))
    return _pdf(objects)


def deep_arrays_pdf(depth: int = 100_000) -> bytes:
    """A page whose /Annots entry is an array nested ``depth`` levels deep."""
    nested = b"[" * depth + b"]" * depth
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots %s >>" % nested,
                 _stream(b"BT /F1 9 Tf (x) Tj ET")])


PDFS = {"shared-content-stream": shared_stream_pdf, "looping-page-tree": looping_tree_pdf,
        "forms-drawing-each-other": drawing_forms_pdf, "deep-arrays": deep_arrays_pdf}
