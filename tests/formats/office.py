""".doc and .pdf files made by LibreOffice from generated .docx, once per test process (two runs)."""

from __future__ import annotations

import subprocess
import tempfile
from functools import cache
from pathlib import Path

from ingest.convert import soffice_path
from shenbao.samples.build import deeds_docx, form_docx

NAME, UNIT = "李秀英", "沁阳市总工会"
SOURCES = {
    "form": lambda: form_docx(NAME, UNIT, job="沁阳市某某纺织厂挡车工", phone="13703910000"),
    "deeds": lambda: deeds_docx(NAME, 2100, job="沁阳市某某纺织厂挡车工"),
}


def _convert(sources: list[Path], target: str, root: Path, outdir: str = "out") -> list[Path]:
    subprocess.run([soffice_path(), "--headless", "--norestore", "--nolockcheck",
                    f"-env:UserInstallation={(root / 'profile').as_uri()}", "--convert-to", target,
                    "--outdir", str(root / outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=180, env={"HOME": str(root), "PATH": "/usr/bin:/bin"})
    return [root / outdir / f"{source.stem}.{target}" for source in sources]


@cache
def office_files() -> dict[str, bytes]:
    """{"form.docx", "deeds.docx", "form.doc", "deeds.doc", "form.pdf", "deeds.pdf"} -> bytes (3 LibreOffice runs)."""
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
        _convert(sources, "pdf", root)
        made = {p.name: p.read_bytes() for p in (root / "out").iterdir()}
        return {**made, **{p.name: p.read_bytes() for p in sources}}
