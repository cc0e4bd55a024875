"""``export --materials DIR``: every nomination's files, as the review committee works from them.

``DIR/<unit>/<candidate>/`` holds ``推荐表.docx``, ``事迹材料.docx``, ``征信截图1.png``,
``照片1.jpg`` …: names from each file's material (``rules.materials``; the words are ``[files]`` in
``templates/office.toml``) and extensions from its content (a PNG sent as
``photo.jpg`` is ``照片1.png``). An earlier form is kept as ``推荐表（较早版本1）.docx``;
deeds pasted into a mail body become ``事迹材料（邮件正文）.txt``; anything else goes to
``其他附件/`` under its own (sanitised) name.

DIR must be new, empty, or an earlier materials export (it carries a marker file), which is
then replaced whole, so no stale photo of an earlier export survives. Nothing is written
outside DIR.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from ingest.names import MAX_NAME_BYTES, safe_filename, unique_name
from ingest.html_text import body_text
from ingest.parse import parse_mail
from notify.office import label
from rules.materials import Build, of_role, table
from shenbao.register.nominations import ours
from shenbao.store.derived import file_bytes
from shenbao.errors import UsageError
from shenbao.store.models import Email, StoredFile, Submission
from shenbao.store.db import Store

MARKER = ".shenbao-materials"
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "bmp": ".bmp", "webp": ".webp", "tiff": ".tif",
              "heif": ".heic", "docx": ".docx", "doc": ".doc", "pdf": ".pdf", "txt": ".txt", "zip": ".zip",
              "wps": ".wps", "rtf": ".rtf", "rar": ".rar", "7z": ".7z"}
OTHER_DIR = "其他附件"
BODY_DEEDS = "事迹材料（邮件正文）"


@dataclass
class MaterialsReport:
    root: Path
    nominations: int = 0
    files: int = 0
    missing: list[str] = field(default_factory=list)  # stored files no longer on disk

    def summary(self) -> str:
        text = f"{self.files} file(s) of {self.nominations} nomination(s) copied into {self.root}"
        if self.missing:
            text += f"\nwarning: {len(self.missing)} stored file(s) missing from data_dir: " + ", ".join(self.missing[:10])
        return text


def extension(row: StoredFile) -> str:
    """From the content's kind; the sent name's extension only when the kind is unknown."""
    known = EXTENSIONS.get(row.kind)
    if known:
        return known
    suffix = Path(safe_filename(row.filename)).suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ""


def target_names(files: list[StoredFile]) -> list[tuple[StoredFile, str]]:
    """(file, name inside the candidate's folder) for each file, in the order received."""
    by_role: dict[str, list[StoredFile]] = {}
    for row in files:
        by_role.setdefault(row.role if of_role(row.role) else "other", []).append(row)
    out: list[tuple[StoredFile, str]] = []
    for material in table():
        rows, name = by_role.get(material.role, []), label("files", material.role)
        if material.build is Build.FORM:  # the current form by its name, earlier ones as earlier versions
            out += [(row, f"{name}（较早版本{number}）{extension(row)}") for number, row in enumerate(rows[:-1], start=1)]
            out += [(rows[-1], name + extension(rows[-1]))] if rows else []
            continue
        for number, row in enumerate(rows, start=1):
            shown = str(number) if material.numbered or len(rows) > 1 else ""
            out.append((row, f"{name}{shown}{extension(row)}"))
    used: set[str] = set()
    for row in by_role.get("other", []):
        name = unique_name(safe_filename(row.filename), used)
        used.add(name)
        out.append((row, f"{OTHER_DIR}/{name}"))
    return out


def _prepare(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise UsageError(f"--materials {root}: is a file; give a directory")
    if root.is_dir() and any(root.iterdir()):
        if not (root / MARKER).is_file():
            raise UsageError(f"--materials {root}: the directory is not empty and is not an earlier materials "
                             "export; give a new or empty directory")
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("shenbao materials export: this directory is replaced by the next export\n",
                               encoding="utf-8")


def _folder(root: Path, sub: Submission, used: set[tuple[str, str]]) -> Path:
    unit = safe_filename(sub.unit, fallback="未注明单位")
    candidate = safe_filename(sub.candidate, fallback=f"未识别候选人_{sub.ref}")
    if (unit, candidate) in used:  # the same name twice in one unit: keep both, told apart by the ref
        suffix = f"_{sub.ref}"
        candidate = safe_filename(candidate, max_bytes=MAX_NAME_BYTES - len(suffix.encode())) + suffix
    used.add((unit, candidate))
    return root / unit / candidate


def _inside(root: Path, target: Path) -> Path:
    resolved = target.resolve()
    if not resolved.is_relative_to(root):
        raise UsageError(f"refused to write outside {root}: {target}")
    return resolved


def body_deeds(store: Store, s: Session, sub: Submission) -> list[str]:
    """The text of each mail body that brought deeds text to ``sub`` (re-read from the stored raw mail)."""
    emails = s.exec(select(Email).where(Email.submission_id == sub.id, col(Email.body_chars) > 0)
                    .order_by(col(Email.id)))
    parsed = [parse_mail(store.read_raw(email)) for email in emails if email.raw_path]
    return [body_text(mail) for mail in parsed]


def nomination_materials(store: Store, s: Session, sub: Submission, missing: list[str]) -> Iterator[tuple[str, bytes]]:
    """(name inside the candidate's folder, bytes) of each of ``sub``'s files and pasted deeds texts;
    a stored file no longer on disk (nor in its raw mail) is added to ``missing``."""
    files = list(s.exec(select(StoredFile).where(StoredFile.submission_id == sub.id).order_by(col(StoredFile.id))))
    for row, name in target_names(files):
        data = file_bytes(store, row)  # checked against the register, made again from the raw mail if damaged
        if data is None:
            missing.append(row.path)
            continue
        yield name, data
    bodies = body_deeds(store, s, sub)
    for number, text in enumerate(bodies, start=1):
        yield f"{BODY_DEEDS}{str(number) if len(bodies) > 1 else ''}.txt", text.encode("utf-8")


def _copy_nomination(store: Store, s: Session, sub: Submission, folder: Path, report: MaterialsReport) -> None:
    for name, data in nomination_materials(store, s, sub, report.missing):
        target = _inside(report.root, folder / name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        report.files += 1


def export_materials(store: Store, root: Path) -> MaterialsReport:
    """Copy every nomination's files into ``root``; returns what was written."""
    _prepare(root)
    report = MaterialsReport(root.resolve())
    used: set[tuple[str, str]] = set()
    with store.session() as s:
        for sub in s.exec(select(Submission).where(ours(s)).order_by(col(Submission.id))):
            folder = _folder(report.root, sub, used)
            folder.mkdir(parents=True, exist_ok=True)
            _copy_nomination(store, s, sub, folder, report)
            report.nominations += 1
    return report
