"""The one table of materials the notice asks for: what each is called in the register, how its
facts are built, whether it is a picture.

Every consumer reads this table: the facts of a nomination (``shenbao.register.verdict``), which
files are current (``rules.supersede``), the checks (``rules.evaluate``: a material without a check
of its own is checked for presence), the checklist, the JSON export's items, the materials folder,
``show`` and the web view. The Chinese words are in ``templates/``, keyed by role or item:
``problems.toml`` ``[roles]`` (what a reply calls the file) and the ``<item>.missing`` wording,
``office.toml`` ``[items]`` (the checklist), ``[files]`` (the file name in the materials folder) and
``[problem]`` (the short name of ``<item>.missing``).

Adding a material (say 单位推荐函): a row here (with ``names``, the words of a file name that make a
document that material: ``ingest.classify`` is handed them), its words in those two template files,
and a test. ``table()`` is read at every use, so a test may register a material for its duration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from rules.facts import (
    DeedsFacts,
    EmbeddedImages,
    FormFacts,
    MaterialFile,
    PhotoFacts,
    ScreenshotFacts,
    UnreadableFacts,
)


class Build(str, Enum):
    """How a material's facts are built from its current files (``rules.facts``)."""

    FORM = "form"  # FormFacts: the fields read from the form (also when it cannot be read)
    TEXT = "text"  # DeedsFacts: the length of a text; a text pasted into a mail body counts too
    PICTURE = "picture"  # PhotoFacts: size, content format, dimensions
    SCREENSHOT = "screenshot"  # ScreenshotFacts: the credit check's picture
    FILE = "file"  # MaterialFile: present or not, by name (checked by ``rules.evaluate.check_present``)


@dataclass(frozen=True)
class Material:
    role: str  # a file's role on the register (``StoredFile.role``; ``ingest.types.Role`` for the notice's four)
    item: str  # the checklist item and the key under ``items`` in the JSON export
    build: Build
    picture: bool = False  # shown as a picture in the web view
    latest: bool = False  # one current file: the latest email's replaces the earlier ones (documents)
    numbered: bool = False  # in the materials folder every file is numbered: 照片1, 照片2 …
    names: tuple[str, ...] = ()  # words of a document's own file name that make it this material

    @property
    def missing_code(self) -> str:
        """The problem code of a material without a check of its own when none was received."""
        return f"{self.item}.missing"


MATERIALS: tuple[Material, ...] = (  # in the notice's (and the checklist's) order
    Material("form", "form", Build.FORM, latest=True),
    Material("screenshot", "credit", Build.SCREENSHOT, picture=True, numbered=True),
    Material("deeds", "deeds", Build.TEXT, latest=True),
    Material("photo", "photos", Build.PICTURE, picture=True, numbered=True),
)


def table() -> tuple[Material, ...]:
    """The materials, in checklist order (read at each use)."""
    return MATERIALS


def of_role(role: str) -> Material | None:
    return next((m for m in table() if m.role == role), None)


def build_of(role: str) -> Build | None:
    """How a file of ``role`` is read into facts; None for a file that is no material ("other")."""
    found = of_role(role)
    return found.build if found else None


def is_picture(role: str) -> bool:
    found = of_role(role)
    return found is not None and found.picture


def roles() -> tuple[str, ...]:
    """The roles that are material of a nomination (not "other")."""
    return tuple(m.role for m in table())


def built(build: Build) -> tuple[Material, ...]:
    return tuple(m for m in table() if m.build is build)


def named() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(role, file-name words) of the materials recognised by their name, for ``ingest.classify``."""
    return tuple((m.role, m.names) for m in table() if m.names)


class FileRow(Protocol):
    """A current file of a nomination as the register holds it (``shenbao.register.bulk.LightFile``)."""

    @property
    def filename(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def unreadable(self) -> str: ...


class Brief(Protocol):
    """The few facts of a file that judging reads (``shenbao.store.brief``)."""

    @property
    def text_chars(self) -> int: ...
    @property
    def embedded_images(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def form_unit(self) -> str: ...
    @property
    def form_fields(self) -> dict[str, str]: ...
    @property
    def scan(self) -> bool: ...
    @property
    def phash(self) -> str: ...
    @property
    def ocr_state(self) -> str: ...
    @property
    def ocr_text(self) -> str: ...


def _facts(build: Build, row: FileRow, brief: Brief) -> Any:
    if build is Build.FORM:
        return FormFacts(row.filename, brief.form_fields, brief.form_unit, row.unreadable, brief.scan)
    if build is Build.TEXT:
        return DeedsFacts(row.filename, brief.text_chars)
    if build is Build.PICTURE:
        return PhotoFacts(row.filename, row.size, row.kind, brief.width, brief.height, brief.phash)
    if build is Build.SCREENSHOT:
        return ScreenshotFacts(row.filename, brief.ocr_state, brief.ocr_text)
    return MaterialFile(row.role, row.filename)


def gather(files: Iterable[tuple[FileRow, Brief]]) -> dict[str, Any]:
    """The ``NominationFacts`` fields that a nomination's current files make, each file as its material's
    ``build`` says: a form (also one that cannot be read), else a file that cannot be read, else its facts."""
    out: dict[Build, list[Any]] = {build: [] for build in Build}
    unreadable: list[UnreadableFacts] = []
    pasted: list[EmbeddedImages] = []  # pictures pasted into documents other than the form
    for row, brief in files:
        material = of_role(row.role)
        build = material.build if material else None
        if build is not Build.FORM and brief.embedded_images:
            pasted.append(EmbeddedImages(row.filename, brief.embedded_images))
        if build is not Build.FORM and row.unreadable:
            unreadable.append(UnreadableFacts(row.filename, row.unreadable))
        elif build is not None:
            out[build].append(_facts(build, row, brief))
    return {"forms": tuple(out[Build.FORM]), "deeds": tuple(out[Build.TEXT]), "photos": tuple(out[Build.PICTURE]),
            "screenshots": tuple(out[Build.SCREENSHOT]), "files": tuple(out[Build.FILE]),
            "unreadable": tuple(unreadable), "embedded_images": tuple(pasted)}
