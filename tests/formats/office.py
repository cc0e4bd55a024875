""".doc and .pdf files made by LibreOffice from generated .docx, once per test process (two runs)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from docx import Document

from ingest.convert import soffice_path
from shenbao.samples.build import deeds_docx, form_docx

NAME, UNIT = "李秀英", "沁阳市总工会"
# An old .doc form whose table LibreOffice gives back as running text: labels and values run together.
FLAT_FORM_TEXT = ("姓  名赵刚性  别男出生年月1988年10月民  族汉族政治面貌中共党员文化程度大专"
                  "工作单位及职务焦作市某某机械厂钳工班长联系电话13903910000身份证号码410802198810010000"
                  "主要事迹（简要，200字左右）赵刚同志扎根一线，刻苦钻研，带徒多名。")


def flat_form_docx() -> bytes:
    document = Document()
    document.add_paragraph("2021年焦作“最美职工”推荐表")
    document.add_paragraph(FLAT_FORM_TEXT)
    document.add_paragraph("推荐单位（盖章）：孟州市总工会    日期：2021年4月26日")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


SOURCES = {
    "form": lambda: form_docx(NAME, UNIT, job="沁阳市某某纺织厂挡车工", phone="13703910000"),
    "deeds": lambda: deeds_docx(NAME, 2100, job="沁阳市某某纺织厂挡车工"),
    "flatform": flat_form_docx,
}


def _convert(sources: list[Path], target: str, root: Path, outdir: str = "out") -> list[Path]:
    subprocess.run([soffice_path(), "--headless", "--norestore", "--nolockcheck",
                    f"-env:UserInstallation={(root / 'profile').as_uri()}", "--convert-to", target,
                    "--outdir", str(root / outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=180, env={"HOME": str(root), "PATH": "/usr/bin:/bin"})
    return [root / outdir / f"{source.stem}.{target}" for source in sources]


@cache
def office_files() -> dict[str, bytes]:
    """{"form.docx", "deeds.docx", "form.doc", "deeds.doc", "form.pdf", "deeds.pdf",
    "flatform.docx", "flatform.doc"} -> bytes (3 LibreOffice runs)."""
    with tempfile.TemporaryDirectory(prefix="shenbao-office-") as temp:
        root = Path(temp)
        sources = []
        for stem, make in SOURCES.items():
            path = root / f"{stem}.docx"
            path.write_bytes(make())
            sources.append(path)
        # Word 97 export keeps python-docx's form table only by way of ODF (as a .doc saved by
        # Word or WPS has it); the PDF is printed from the .docx directly.
        _convert(_convert(sources, "odt", root, "odt"), "doc", root)
        _convert(sources[:2], "pdf", root)
        made = {p.name: p.read_bytes() for p in (root / "out").iterdir()}
        return {**made, **{p.name: p.read_bytes() for p in sources}}
