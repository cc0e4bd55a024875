"""Session fixtures: .doc and .pdf files made by LibreOffice once per test session, in two runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ingest.convert import soffice_path
from shenbao.samples import deeds_docx, form_docx

NAME, UNIT = "李秀英", "沁阳市总工会"
SOURCES = {
    "form": lambda: form_docx(NAME, UNIT, job="沁阳市某某纺织厂挡车工", phone="13703910000"),
    "deeds": lambda: deeds_docx(NAME, 2100, job="沁阳市某某纺织厂挡车工"),
}


def _convert(sources: list[Path], target: str, outdir: Path) -> None:
    profile = (outdir.parent / "profile").as_uri()
    subprocess.run([soffice_path(), "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile}",
                    "--convert-to", target, "--outdir", str(outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=180)


@pytest.fixture(scope="session")
def office_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """{"form.doc", "deeds.doc", "form.pdf", "deeds.pdf", "form.docx", "deeds.docx"} -> bytes."""
    root = tmp_path_factory.mktemp("office")
    sources = []
    for stem, make in SOURCES.items():
        path = root / f"{stem}.docx"
        path.write_bytes(make())
        sources.append(path)
    for target in ("doc", "pdf"):
        _convert(sources, target, root / "out")
    made = {p.name: p.read_bytes() for p in (root / "out").iterdir()}
    return {**made, **{p.name: p.read_bytes() for p in sources}}
