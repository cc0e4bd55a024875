"""Turn one raw RFC 5322 message into a ``ParsedMail``. Pure: bytes in, typed value out.

mail-parser builds the MIME tree; headers, bodies and attachments are then read from its
underlying ``email.message`` with our own charset handling (``ingest.charsets``), because
mail-parser decodes ``gb2312`` text that holds GBK-only characters as UTF-8 with errors
ignored and does not read quoted encoded-word display names. ``parse_mail`` never raises:
whatever cannot be read becomes a line in ``ParsedMail.defects``.
"""

from __future__ import annotations

import email
import logging
import mimetypes
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from io import BytesIO

import mailparser

from ingest.addresses import read_from
from ingest.bigparts import Blobs, split
from ingest.charsets import codec_for, decode_bytes, decode_words, get_param, raw_to_bytes, split_params, unfold
from ingest.parse_mend import declared_charsets, inline_cids, mend_transfer_encoding, readable_first
from ingest.robots import bounce_shape
from ingest.types import Attachment, ParsedMail

AUTO_HEADERS = frozenset({
    "auto-submitted", "precedence", "x-auto-response-suppress", "x-autoreply",
    "x-autorespond", "x-loop", "return-path",
    # what bulk and transactional sending services add (rules.guards.BULK_HEADERS)
    "feedback-id", "x-ses-outgoing", "x-mailgun-sid", "x-sg-eid", "x-mc-user", "x-csa-complaints",
    "x-campaign", "x-campaignid", "x-mailchimp-campaign",
})
_MAX_DEPTH = 40  # MIME nesting deeper than this is hostile, not a nomination
_MAX_DEFECTS = 50
_BODY_TYPES = ("text/plain", "text/html")
_MESSAGE_TYPES = ("message/rfc822", "message/global", "message/news")
_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")
_FEEDBACK_TYPE = "message/feedback-report"  # ARF (RFC 5965): a complaint about a mail
FORWARDED_NAME = "转发邮件"  # an attached mail without a subject or name
_FILE_MAINTYPES = ("image", "application", "audio", "video")
_MSG_ID = re.compile(r"<([^<>]*)>")
_ADDRESS = re.compile(r"[^\s<>,;:\"()\[\]]+@[^\s<>,;:\"()\[\]]+")

# mail-parser logs every unhandled part type as a warning; the application decides what to show.
logging.getLogger("mailparser").addHandler(logging.NullHandler())


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse ``raw``; on any failure return what could be read plus a defect, never raise."""
    defects: list[str] = []
    try:
        return _parse(bytes(raw), defects)
    except Exception as exc:  # the never-raise boundary: hostile input becomes a recorded defect
        defects.append(f"parse-failed: {type(exc).__name__}: {exc}"[:300])
        return ParsedMail(message_id="", subject="", from_addr="", from_name="", to=(), in_reply_to="",
                          references=(), date=None, text_body="", html_body="", attachments=(),
                          defects=_cap(defects))


def _cap(defects: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(defects))
    if len(unique) > _MAX_DEFECTS:
        unique = unique[:_MAX_DEFECTS] + [f"defects-truncated: {len(unique) - _MAX_DEFECTS} more"]
    return tuple(unique)


def _load(raw: bytes, defects: list[str]) -> tuple[Message, datetime | None]:
    """The message tree (mail-parser first, stdlib if mail-parser gives up) and mail-parser's date.

    ``raw`` is the skeleton from ``bigparts.split``: long base64 bodies are placeholders."""
    try:
        parsed = mailparser.parse_from_bytes(raw)
    except Exception as exc:  # third-party parser on hostile input: fall back to the stdlib
        defects.append(f"mail-parser-failed: {type(exc).__name__}; read with the stdlib parser")
        try:
            return email.message_from_bytes(raw), None
        except RecursionError:
            defects.append("mime-too-deep: only the headers were read")
            return BytesHeaderParser().parsebytes(raw), None
    date = parsed.date if isinstance(parsed.date, datetime) else None
    return parsed.message, date


def _parse(raw: bytes, defects: list[str]) -> ParsedMail:
    raw = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    blank = not raw or raw.isspace()  # as ``not raw.strip()``, without copying the mail
    if blank:
        defects.append("empty-message: no bytes to parse")
    skeleton, blobs = split(raw)
    message, fallback_date = _load(skeleton, defects)
    headers = _first_headers(message)
    if not headers and not blank:
        defects.append("no-headers: nothing that looks like a mail header was found")
    walk = _Walk(defects, blobs, declared_charsets(message, codec_for))
    walk.visit(message, 0)
    subject = decode_words(headers.get("subject", ""), "subject", defects, walk.charsets).strip()
    from_name, from_addr = _sender(headers.get("from", ""), defects)
    return ParsedMail(
        message_id=(_all_ids(headers.get("message-id", "")) or ("",))[0],
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        to=tuple(addr for _name, addr in _addresses(_raw_values(message, "to"), defects) if addr),
        in_reply_to=(_all_ids(headers.get("in-reply-to", "")) or ("",))[0],
        references=_all_ids(headers.get("references", "")),
        date=_date(headers.get("date"), fallback_date, defects),
        text_body="\n".join(walk.texts),
        html_body="\n".join(walk.htmls),
        attachments=walk.marked_inline(),
        auto_headers=_auto_headers(headers, defects),
        is_delivery_report=walk.is_report,
        is_feedback_report=walk.is_feedback,
        bounce_shape="" if walk.is_report else bounce_shape(message),
        defects=_cap(defects),
    )


def _raw_values(part: Message, name: str) -> list[str]:
    """Every raw value (surrogate-escaped str, unfolded) of header ``name`` in ``part``."""
    return [unfold(str(value)) for key, value in part.raw_items() if key.lower() == name]


def _first_headers(message: Message) -> dict[str, str]:
    """Lower-case name -> first raw value (unfolded) of every header of ``message``."""
    headers: dict[str, str] = {}
    for key, value in message.raw_items():
        headers.setdefault(key.lower().strip(), unfold(str(value)))
    return headers


def _auto_headers(headers: dict[str, str], defects: list[str]) -> dict[str, str]:
    return {name: " ".join(decode_words(value, name, defects).split()) for name, value in headers.items()
            if name in AUTO_HEADERS or name.startswith("list-") or name == "content-type"}


def _addresses(values: list[str], defects: list[str]) -> list[tuple[str, str]]:
    """(decoded display name, lower-case address) pairs; encoded-words are decoded even in quotes."""
    texts = [unfold(str(value)) for value in values]
    try:
        pairs = getaddresses(texts)
    except RecursionError:  # the stdlib recurses once per address: a huge list overflows
        defects.append("address-list-too-long: addresses read with a simple pattern")
        pairs = [("", found) for text in texts for found in _ADDRESS.findall(text)]
    return [(decode_words(name, "address", defects).strip(),
             decode_words(addr, "address", defects).strip().lower()) for name, addr in pairs]


def _sender(value: str, defects: list[str]) -> tuple[str, str]:
    sender = read_from(value, defects)  # the angle-addr, never an address out of an encoded-word
    return sender.name, sender.address


def _all_ids(value: str) -> tuple[str, ...]:
    value = raw_to_bytes(value).decode("utf-8", "replace")  # raw 8-bit octets: text, never lone surrogates
    ids = [found.strip() for found in _MSG_ID.findall(value) if found.strip()]
    return tuple(ids) if ids else tuple(value.split())


def _date(value: str | None, fallback: datetime | None, defects: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed: datetime | None = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = fallback
    if parsed is None:
        defects.append(f"date-unparseable: {value[:80]!r}")
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


@dataclass
class _Walk:
    """Walks the MIME tree once, decoding each payload exactly once."""

    defects: list[str]
    blobs: Blobs
    charsets: tuple[str, ...] = ()  # codecs the mail declares, for raw 8-bit header bytes
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    is_report: bool = False
    is_feedback: bool = False
    parts_seen: int = 0
    content_ids: list[str] = field(default_factory=list)  # of each attachment, "" when none

    def marked_inline(self) -> tuple[Attachment, ...]:
        """The attachments, those the HTML body shows by ``cid:`` marked inline."""
        shown = inline_cids(self.htmls)
        return tuple(replace(a, inline=True) if cid and cid in shown else a
                     for a, cid in zip(self.attachments, self.content_ids))

    def visit(self, part: Message, depth: int) -> None:
        self.parts_seen += 1
        ctype = part.get_content_type()
        self.defects.extend(f"mime-defect: {type(d).__name__} in {ctype}" for d in part.defects)
        if ctype in _DSN_TYPES:
            self.is_report = True
            return
        if ctype == _FEEDBACK_TYPE:
            self.is_feedback = True
            return
        if ctype in _MESSAGE_TYPES:
            self._guarded(self._attach_message, part, ctype)
            return
        if part.is_multipart():
            report_type = self._param(part, "content-type", "report-type").lower() \
                if ctype == "multipart/report" else ""
            self.is_report = self.is_report or report_type == "delivery-status"
            self.is_feedback = self.is_feedback or report_type == "feedback-report"
            if depth >= _MAX_DEPTH:
                self.defects.append(f"mime-too-deep: parts below depth {_MAX_DEPTH} ignored")
                return
            for sub in part.get_payload():
                if isinstance(sub, Message):
                    self.visit(sub, depth + 1)
            return
        self._guarded(self._leaf, part, ctype)

    def _guarded(self, handler: Callable[[Message, str], None], part: Message, ctype: str) -> None:
        try:
            handler(part, ctype)
        except Exception as exc:  # one hostile part must not cost the rest of the mail
            self.defects.append(f"part-unreadable: {ctype}: {type(exc).__name__}: {exc}"[:300])

    def _param(self, part: Message, header: str, name: str) -> str:
        values = _raw_values(part, header)
        return (get_param(values[0], name, header, self.defects, self.charsets) or "") if values else ""

    def _filename(self, part: Message) -> str:
        """Content-Disposition's filename, else Content-Type's name; the readable one when only one
        is (``filename*=iso-2022-cn''…`` beside a good ``name=``)."""
        names = [self._param(part, "content-disposition", "filename"), self._param(part, "content-type", "name")]
        names = [unicodedata.normalize("NFC", name.replace("\x00", "").strip()) for name in names]
        return readable_first([name for name in names if name])

    def _generated_name(self, ctype: str) -> str:
        return f"part-{self.parts_seen}{mimetypes.guess_extension(ctype) or '.bin'}"

    def _leaf(self, part: Message, ctype: str) -> None:
        mend_transfer_encoding(part)
        filename = self._filename(part)
        dispositions = _raw_values(part, "content-disposition")
        disposition = split_params(dispositions[0])[0].lower() if dispositions else ""
        if not filename:
            if ctype in _BODY_TYPES and disposition != "attachment":
                self._body(part, ctype)
                return
            if disposition != "attachment" and ctype.split("/")[0] not in _FILE_MAINTYPES:
                return  # e.g. text/rfc822-headers of a bounce, an inline calendar
            filename = self._generated_name(ctype)
        data = self.blobs.payload(part)
        self._add(Attachment(filename, ctype, data if isinstance(data, bytes) else b""), part)

    def _add(self, attachment: Attachment, part: Message) -> None:
        self.attachments.append(attachment)
        ids = _raw_values(part, "content-id")
        self.content_ids.append(ids[0].strip().strip("<>").strip().lower() if ids else "")

    def _body(self, part: Message, ctype: str) -> None:
        data = self.blobs.payload(part)
        if not isinstance(data, bytes):
            return
        text = decode_bytes(data, self._param(part, "content-type", "charset"), ctype, self.defects)
        (self.htmls if ctype == "text/html" else self.texts).append(text)

    def _attach_message(self, part: Message, ctype: str) -> None:
        """An attached mail is one attachment named ``….eml`` (its own MIME tree is not walked here:
        ``ingest.forwarded`` unpacks it like an archive)."""
        mend_transfer_encoding(part)
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            data = self.blobs.restore(_flatten(inner[0]), linesep=b"\n")
            encodings = _raw_values(part, "content-transfer-encoding")
            if encodings and encodings[0].strip().lower() in ("base64", "quoted-printable"):
                data = _transfer_decode(data, encodings[0].strip().lower())  # parsed too early
        else:
            decoded = self.blobs.payload(part)
            data = decoded if isinstance(decoded, bytes) else b""
        filename = self._filename(part)
        if not filename:
            subjects = _raw_values(BytesHeaderParser().parsebytes(data), "subject")
            subject = decode_words(subjects[0], "subject", self.defects).strip() if subjects else ""
            filename = unicodedata.normalize("NFC", subject or FORWARDED_NAME)
        if not filename.lower().endswith(".eml"):
            filename += ".eml"
        self._add(Attachment(filename, ctype, data), part)


def _flatten(message: Message) -> bytes:
    """The bytes of a parsed message as sent: no ">From" mangling, no re-folding."""
    buffer = BytesIO()
    BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(message)
    return buffer.getvalue()


def _transfer_decode(data: bytes, encoding: str) -> bytes:
    """Undo a transfer encoding with the stdlib's lenient decoders (those of every other part)."""
    carrier = Message()
    carrier["Content-Transfer-Encoding"] = encoding
    carrier.set_payload(data.decode("ascii", "surrogateescape"))
    decoded = carrier.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else data
