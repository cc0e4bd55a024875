"""What a file is for: form, deeds, photo, credit screenshot or other. Content first, name second.

Documents: a 推荐表 is recognised by its labels, a deeds text by its length. Pictures: camera
EXIF or a photo-like look make a photo, a mostly white/flat look makes a screenshot (credit
checks are screenshots of web pages). File names only break ties, with one exception: a name
that says it is a credit check (征信, 信用, 失信, 截图, ...) makes a screenshot even when it is
a phone photo of the screen, because a work photo is never named that way.

Further materials (``named``: role -> words, handed in by the wiring from ``rules.materials``) are
documents recognised by their own file name, before the length of a text makes it the deeds.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.decoration import is_decoration
from ingest.formfields import FLAT_MIN_LABELS, compact, flat_label_count
from ingest.types import FileFacts, ImageInfo, Role

Named = tuple[tuple[str, tuple[str, ...]], ...]  # (role, words of a document's file name that make it that role)

FORM_LABELS: tuple[str, ...] = (
    "姓名", "性别", "出生年月", "政治面貌", "工作单位及职务", "联系电话", "民族", "身份证号码",
)
MIN_FORM_LABELS = 3
MIN_DEEDS_CHARS = 300
MIN_NAMED_DEEDS_CHARS = 50  # a short text named 事迹 is still the deeds (the rules then say too short)

DOCUMENT_KINDS = frozenset({"docx", "doc", "rtf", "txt", "pdf"})
IMAGE_KINDS = frozenset({"jpeg", "png", "gif", "bmp", "webp", "tiff", "heif"})
_PHOTO_FORMATS_BY_DEFAULT = frozenset({"JPEG", "HEIF", "AVIF", "TIFF"})

# Names that say "credit check" strongly enough to beat the content; weaker hints only break ties.
CREDIT_NAMES = ("征信", "信用", "失信", "被执行", "执行信息", "截图", "截屏", "屏幕快照", "screenshot")
SCREENSHOT_HINTS = (*CREDIT_NAMES, "执行", "查询", "百度", "screen")
PHOTO_HINTS = ("照", "相片", "photo", "img_", "dsc", "pxl_")

# The look of a <=64 px sample (see ImageInfo.colours / white_share).
SCREEN_WHITE_SHARE = 0.45  # web pages are mostly white
SCREEN_MAX_COLOURS = 80  # flat graphics use few exact colours; photos use hundreds
PHOTO_MAX_WHITE_SHARE = 0.25
PHOTO_MIN_COLOURS = 200
DOCUMENT_WHITE_SHARE = 0.3  # a camera picture this white is of paper or a screen: it is read by OCR

# Words of a web page's text (read by OCR) that make a picture a credit-check screenshot.
PAGE_WORDS = ("信用中国", "执行信息公开", "百度", "失信", "被执行人", "限制消费", "查询", "搜索", "征信", "信用",
              "未查询到", "暂无", "http", "www", ".cn", ".com")
MIN_PAGE_WORDS = 2


def _name(facts: FileFacts) -> str:
    return unicodedata.normalize("NFKC", facts.filename).lower()


def _has(name: str, hints: tuple[str, ...]) -> bool:
    return any(hint in name for hint in hints)


def _labels_in_text(text: str) -> int:
    flat = compact(text)
    return sum(1 for label in FORM_LABELS if re.search(re.escape(label) + ":", flat))


def _named_role(facts: FileFacts, named: Named) -> str | None:
    own = _name(facts).rsplit("/", 1)[-1]
    return next((role for role, words in named if _has(own, tuple(w.lower() for w in words))), None)


def _classify_document(facts: FileFacts, named: Named) -> Role | str:
    name = _name(facts)
    field_labels = sum(1 for label in FORM_LABELS if label in facts.form_fields)
    if field_labels >= MIN_FORM_LABELS:
        return Role.FORM
    titled = "推荐表" in compact(facts.text)
    if titled and max(field_labels, _labels_in_text(facts.text)) >= 2:
        return Role.FORM
    role = _named_role(facts, named)
    if role is not None:
        return role
    chars = len(compact(facts.text))
    if chars >= MIN_DEEDS_CHARS:
        return Role.DEEDS
    if "推荐表" in name and (field_labels or titled):
        return Role.FORM
    if "事迹" in name and chars >= MIN_NAMED_DEEDS_CHARS:
        return Role.DEEDS
    return Role.OTHER


def looks_like(image: ImageInfo) -> Role | None:
    """SCREENSHOT or PHOTO from the measured look, None when unmeasured or in between."""
    if image.colours < 0 or image.white_share < 0:
        return None
    if image.white_share >= SCREEN_WHITE_SHARE or image.colours <= SCREEN_MAX_COLOURS:
        return Role.SCREENSHOT
    if image.white_share < PHOTO_MAX_WHITE_SHARE and image.colours >= PHOTO_MIN_COLOURS:
        return Role.PHOTO
    return None


def wants_ocr(filename: str, image: ImageInfo) -> bool:
    """Whether a picture's text should be read: screenshots and pictures of documents (a name
    saying so, a page-like look, a camera picture mostly white); never a photo of people or a scene."""
    name = unicodedata.normalize("NFKC", filename).lower()
    if _has(name, CREDIT_NAMES) or "推荐表" in name:
        return True
    if image.camera:
        return image.white_share >= DOCUMENT_WHITE_SHARE
    return looks_like(image) != Role.PHOTO


def page_words(text: str) -> int:
    """How many of ``PAGE_WORDS`` occur in OCR text."""
    flat = compact(text).lower()
    return sum(1 for word in PAGE_WORDS if word in flat)


def _read_role(facts: FileFacts) -> Role | None:
    """The role the text read by OCR gives: the form's labels make the form (a scan or photo of it),
    a web page's words a screenshot."""
    if facts.scan and flat_label_count(facts.ocr_text) >= FLAT_MIN_LABELS:
        return Role.FORM
    if facts.ocr_state == "read" and page_words(facts.ocr_text) >= MIN_PAGE_WORDS:
        return Role.SCREENSHOT
    return None


def _classify_image(facts: FileFacts, image: ImageInfo) -> Role:
    name = _name(facts)
    read = _read_role(facts)
    if read is not None:
        return read
    if _has(name, CREDIT_NAMES):
        return Role.SCREENSHOT
    if image.camera:
        return Role.PHOTO
    look = looks_like(image)
    if look is not None:
        return look
    if _has(name, SCREENSHOT_HINTS):
        return Role.SCREENSHOT
    if _has(name, PHOTO_HINTS):
        return Role.PHOTO
    return Role.PHOTO if image.format in _PHOTO_FORMATS_BY_DEFAULT else Role.SCREENSHOT


def classify(facts: FileFacts, *, inline: bool = False, named: Named = ()) -> Role | str:
    """The role of one read file. An unreadable file is OTHER, unless its name says it is the
    推荐表: then it is a FORM, so the verdict says the form could not be read. A decoration
    (``ingest.decoration``; ``inline``: shown in the HTML body) is OTHER. A document whose own
    name has words of ``named`` (and that is not the form) has that role."""
    if is_decoration(facts, inline=inline):
        return Role.OTHER
    if facts.unreadable:  # the file's own name, not the archive or folder it came in
        return Role.FORM if "推荐表" in _name(facts).rsplit("/", 1)[-1] else Role.OTHER
    if facts.kind in DOCUMENT_KINDS:
        return _read_role(facts) or _classify_document(facts, named)
    if facts.kind in IMAGE_KINDS and facts.image is not None:
        return _classify_image(facts, facts.image)
    return Role.OTHER
