"""What the rules look at: a nomination's materials, already read. Built by the wiring."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FormFacts:
    filename: str
    fields: dict[str, str]  # label without spaces -> value
    unit: str = ""
    unreadable: str = ""  # reason when the form was recognised but could not be read
    scan: bool = False  # a scan or photo of the form: its fields were read by OCR


@dataclass(frozen=True)
class DeedsFacts:
    source: str  # file name, or "邮件正文"
    chars: int  # non-whitespace characters


@dataclass(frozen=True)
class PhotoFacts:
    filename: str
    size: int
    format: str  # lower-case content format: "jpeg", "png", "heif", ...
    width: int = 0
    height: int = 0
    phash: str = ""  # perceptual hash (16 hex digits), "" when not measured


@dataclass(frozen=True)
class OtherPhoto:
    """A current photo of another nomination, for ``photos.duplicate`` (passed in by the wiring)."""

    ref: str  # the other nomination's reference, e.g. "JZ2021-003"
    candidate: str
    unit: str
    filename: str
    phash: str


@dataclass(frozen=True)
class EmbeddedImages:
    filename: str  # a document (not the form) with pictures pasted into it
    count: int


@dataclass(frozen=True)
class ScreenshotFacts:
    filename: str
    ocr_state: str = ""  # "" not read (OCR off or unavailable), "read", "empty" (no text found), "failed"
    text: str = ""  # the lines OCR read


@dataclass(frozen=True)
class MaterialFile:
    """A file of a material whose facts are its presence (``rules.materials.Build.FILE``)."""

    role: str
    filename: str


@dataclass(frozen=True)
class UnreadableFacts:
    filename: str
    reason: str


@dataclass(frozen=True)
class NominationFacts:
    candidate: str
    unit: str
    received_at: datetime  # INTERNALDATE of the latest email that brought material
    forms: tuple[FormFacts, ...] = ()
    deeds: tuple[DeedsFacts, ...] = ()
    photos: tuple[PhotoFacts, ...] = ()
    screenshots: tuple[ScreenshotFacts, ...] = ()
    unreadable: tuple[UnreadableFacts, ...] = ()
    cloud_links: tuple[str, ...] = ()
    embedded_images: tuple[EmbeddedImages, ...] = ()  # pictures pasted into documents: not photos
    files: tuple[MaterialFile, ...] = ()  # of the materials built as Build.FILE, in arrival order
    # Facts only the register knows, passed in by the wiring:
    quota: int | None = None  # how many candidates the unit may nominate; None = no limit known
    arrival_rank: int = 0  # 1-based place among the unit's nominations in order of arrival; 0 = not counted
    unit_count: int = 0  # how many nominations of the unit are counted
    other_photos: tuple[OtherPhoto, ...] = ()  # current photos of other nominations (recycled photos)


@dataclass(frozen=True)
class Problem:
    code: str  # e.g. "photos.too_small" or "form.field_empty:姓名"
    detail: dict[str, Any] = field(default_factory=dict)  # values for the wording template


@dataclass(frozen=True)
class Verdict:
    status: str  # rules.codes.Status value
    problems: tuple[Problem, ...]

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]
