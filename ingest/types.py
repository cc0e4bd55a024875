"""Typed values that the ingest package produces. Plain frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


@dataclass(frozen=True)
class RawMail:
    """One message as it came from a mailbox, before any parsing.

    ``mailbox`` names the source (``imap:user/INBOX@host`` or ``folder:/abs/path``); together
    with ``uidvalidity`` and ``uid`` it is the idempotency key of the message.
    """

    mailbox: str
    uidvalidity: int
    uid: str
    internaldate: datetime  # timezone-aware, as the server (or file mtime) says
    raw: bytes  # only the header block when ``oversize``
    size: int = 0  # RFC822.SIZE (or file size)
    oversize: bool = False  # larger than the configured limit: recorded and answered, body not downloaded


@dataclass(frozen=True)
class Cursor:
    """How far a mailbox has been read: the folder's UIDVALIDITY and the highest stored UID."""

    uidvalidity: int | None = None
    last_uid: int = 0


@dataclass(frozen=True)
class Attachment:
    """One attachment part of a mail: decoded, NFC-normalised (not yet sanitised) name."""

    filename: str
    declared_type: str
    data: bytes
    inline: bool = False  # shown in the HTML body by its Content-ID (``cid:``): a logo, a signature


@dataclass(frozen=True)
class ParsedMail:
    message_id: str  # without angle brackets; "" when the mail has none
    subject: str
    from_addr: str  # lower-case address; "" when absent
    from_name: str
    to: tuple[str, ...]
    in_reply_to: str
    references: tuple[str, ...]
    date: datetime | None
    text_body: str
    html_body: str
    attachments: tuple[Attachment, ...]
    # Header name (lower-case) -> value, for every header that marks automatic mail
    # (auto-submitted, precedence, list-*, x-auto-response-suppress, x-autoreply,
    # x-autorespond, x-loop, return-path) and content-type of the root part.
    auto_headers: dict[str, str] = field(default_factory=dict)
    is_delivery_report: bool = False  # multipart/report; report-type=delivery-status
    is_feedback_report: bool = False  # ARF: report-type=feedback-report or a message/feedback-report part
    bounce_shape: str = ""  # the flufl.bounce detector that reads the mail as a bounce, "" when none
    defects: tuple[str, ...] = ()


class Role(str, Enum):
    FORM = "form"
    DEEDS = "deeds"
    PHOTO = "photo"
    SCREENSHOT = "screenshot"
    OTHER = "other"


@dataclass(frozen=True)
class ImageInfo:
    format: str  # Pillow format name from the content: "JPEG", "PNG", "BMP", "WEBP", ...
    width: int
    height: int
    camera: str  # EXIF Make + Model, "" when absent
    taken_at: str  # EXIF DateTimeOriginal as written, "" when absent
    # How the picture looks, measured by ingest.read on a <=64 px nearest-neighbour sample
    # (ingest.classify judges it); not measured for a JPEG whose EXIF names a camera, which is a
    # photo by that alone:
    colours: int = -1  # distinct colours among the sample's pixels; -1 = not measured
    white_share: float = -1.0  # share of near-white pixels, 0..1; -1 = not measured
    phash: str = ""  # 64-bit difference hash (16 hex digits) of a reduced decode; "" = not measured


@dataclass(frozen=True)
class FileFacts:
    """What reading one file's bytes found. ``kind`` comes from the content, never the name."""

    filename: str
    size: int
    sha256: str
    # "docx" | "doc" (Word 97-2003 / WPS Office) | "rtf" | "pdf" | "txt" | "jpeg" | "png" | "gif" | "bmp" | "webp"
    # | "tiff" | "heif" | "zip" | "7z" | "rar" | "tnef" | "eml" (an attached mail) | "unknown"
    kind: str
    text: str = ""  # document text (paragraphs), for docx/txt
    form_fields: dict[str, str] = field(default_factory=dict)  # label (spaces removed) -> value
    form_unit: str = ""  # 申报单位 as written on a form, "" if none
    image: ImageInfo | None = None
    unreadable: str = ""  # Chinese reason when the file could not be read, "" when fine
    embedded_images: int = 0  # pictures pasted inside a Word document (they are not photo attachments)
    mail_headers: dict[str, str] = field(default_factory=dict)  # of an attached mail (kind "eml"): from, subject...
    # OCR (ingest.ocr), only for pictures and scanned PDFs that need it: "" = not run, "read" = text
    # found, "empty" = no text found, "failed" = the engine could not run (ocr_text then says why).
    ocr_state: str = ""
    ocr_text: str = ""  # the lines read, one per line, in reading order
    scan: bool = False  # the form fields (if any) were read by OCR from a picture or an image-only PDF


def role_value(role: Role | str) -> str:
    """A role as the register stores it: "form", or a further material's role as given."""
    return role.value if isinstance(role, Role) else role


@dataclass(frozen=True)
class ClassifiedFile:
    facts: FileFacts
    role: Role | str  # a Role, or the role of a further material ``ingest.classify`` was handed
