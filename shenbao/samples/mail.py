"""Raw RFC 5322 messages shaped like the mail clients the units use (163 webmail, Outlook, Foxmail).

Headers are written as the clients write them (the stdlib would re-encode them its own way),
so parsers are tested against the real variants of Chinese attachment names:
163 webmail uses RFC 2231 ``filename*=UTF-8''…``, Outlook an RFC 2047 encoded word inside a
quoted ``filename="=?utf-8?B?…?="``, Foxmail the same with GBK.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import quopri
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

CST = timezone(timedelta(hours=8), "CST")
OFFICE_ADDRESS = "jzghxjb@163.com"
DEFAULT_DATE = datetime(2021, 4, 26, 10, 2, 18, tzinfo=CST)
_WRITE_POLICY = policy.SMTP.clone(refold_source="none")
_WORD_CHARS = 15  # characters per encoded word: keeps each header line short


@dataclass(frozen=True)
class _Client:
    header_charset: str
    body_charset: str
    rfc2231_names: bool
    quote_from_name: bool
    mailer: str
    generic_type: bool  # sends documents as application/octet-stream
    html_encoding: str  # "base64" | "quoted-printable"
    preamble: str | None


CLIENTS: dict[str, _Client] = {
    "163": _Client(
        "UTF-8", "UTF-8", True, True,
        "Coremail Webmail Server Version XT5.0.13 build 20210104(6ec1ac1e)\r\n"
        " Copyright (c) 2002-2021 www.mailtech.cn 163com",
        False, "base64", None,
    ),
    "outlook": _Client("utf-8", "gb2312", False, False, "Microsoft Outlook 16.0", False, "quoted-printable",
                       "This is a multipart message in MIME format.\n"),
    "foxmail": _Client("GBK", "GBK", False, True, "Foxmail 7.2.20.273[cn]", True, "quoted-printable",
                       "This is a multi-part message in MIME format.\n"),
}


def _charset_for(text: str, preferred: str) -> str:
    try:
        text.encode(preferred)
    except UnicodeEncodeError:
        return "utf-8" if preferred.lower().startswith("utf") else "gb18030"
    return preferred


def encoded_words(text: str, charset: str, separator: str = "\r\n\t") -> str:
    """RFC 2047 B-encoded words for ``text`` (unchanged when it is plain ASCII)."""
    if text.isascii():
        return text
    charset = _charset_for(text, charset)
    chunks = [text[i : i + _WORD_CHARS] for i in range(0, len(text), _WORD_CHARS)]
    words = [f"=?{charset}?B?{base64.b64encode(chunk.encode(charset)).decode('ascii')}?=" for chunk in chunks]
    return separator.join(words)


def _single_word(text: str, charset: str) -> str:
    """One encoded word for the whole text, as clients write attachment names."""
    charset = _charset_for(text, charset)
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode('ascii')}?="


def _token(seed: str, length: int, alphabet: str = "0123456789abcdef") -> str:
    digest = hashlib.sha256(seed.encode("utf-8")).digest() * 4
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def _boundary(client: str, seed: str, level: int) -> str:
    if client == "outlook":
        serial = f"{_token(seed + 'b', 8)}.{_token(seed + 'c', 8)}".upper()
        return f"----=_NextPart_00{level}_{_token(seed, 4)}_{serial}"
    if client == "foxmail":
        return f"----=_00{level + 1}_NextPart{_token(seed + str(level), 12, '0123456789')}_=----"
    return f"----=_Part_{_token(seed + str(level), 6, '0123456789')}_{_token(seed, 9, '0123456789')}.1619402538000"


def _message_id(client: str, seed: str, from_addr: str) -> str:
    local, _, domain = from_addr.partition("@")
    if client == "outlook":
        return f"<000001d7{_token(seed, 4)}${_token(seed + 'x', 8)}${_token(seed + 'y', 8)}$@{domain}>"
    if client == "foxmail":
        return f"<2021{_token(seed, 16, '0123456789')}@{domain}>"
    return f"<{_token(seed, 8)}.{_token(seed + 'a', 4)}.{_token(seed + 'b', 11)}.Coremail.{local}@{domain}>"


def _leaf(content_type: str, encoding: str, payload: str, disposition: str | None = None) -> EmailMessage:
    part = EmailMessage(policy=policy.SMTP)
    part.set_raw("Content-Type", content_type)
    part.set_raw("Content-Transfer-Encoding", encoding)
    if disposition:
        part.set_raw("Content-Disposition", disposition)
    part.set_payload(payload)
    return part


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def _text_part(text: str, subtype: str, style: _Client, encoding: str) -> EmailMessage:
    charset = _charset_for(text, style.body_charset)
    data = text.replace("\r\n", "\n").replace("\n", "\r\n" if encoding == "base64" else "\n").encode(charset)
    payload = _b64(data) if encoding == "base64" else quopri.encodestring(data).decode("ascii")
    quoted = f'"{charset}"' if not style.rfc2231_names else charset
    separator = ";\r\n\t" if not style.rfc2231_names else "; "
    return _leaf(f"text/{subtype}{separator}charset={quoted}", encoding, payload)


def _attachment_part(filename: str, data: bytes, style: _Client) -> EmailMessage:
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    content_type = "application/octet-stream" if style.generic_type and not guessed.startswith("image/") else guessed
    if filename.isascii():
        name_param, disposition = f'"{filename}"', f'attachment; filename="{filename}"'
    else:
        name_param = f'"{_single_word(filename, style.header_charset)}"'
        disposition = (
            f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
            if style.rfc2231_names
            else f"attachment;\r\n\tfilename={name_param}"
        )
    separator = "; \r\n\t" if style.rfc2231_names else ";\r\n\t"
    return _leaf(f"{content_type}{separator}name={name_param}", "base64", _b64(data), disposition)


def _multipart(subtype: str, boundary: str, parts: list[EmailMessage], preamble: str | None) -> EmailMessage:
    container = EmailMessage(policy=policy.SMTP)
    container.set_raw("Content-Type", f'multipart/{subtype};\r\n\tboundary="{boundary}"')
    for part in parts:
        container.attach(part)
    container.preamble = preamble
    return container


def _message_id_header(message_id: str | None, client: str, seed: str, from_addr: str) -> str:
    if not message_id:
        return _message_id(client, seed, from_addr)
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _headers(style: _Client, client: str, seed: str, sent: datetime, from_addr: str, from_name: str,
             to_addr: str, subject: str, message_id: str) -> list[tuple[str, str]]:
    display = encoded_words(from_name, style.header_charset, separator=" ")
    sender = f'"{display}" <{from_addr}>' if style.quote_from_name else f"{display} <{from_addr}>"
    smtp_id = _token(seed, 20, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789")
    received = format_datetime(sent + timedelta(seconds=21))
    return [
        ("Return-Path", f"<{from_addr}>"),
        ("Received", (f"from {client}-client (unknown [10.0.0.8])\r\n\tby smtp9 (Coremail) with SMTP id {smtp_id};"
                      f"\r\n\t{received}")),
        ("Date", format_datetime(sent)),
        ("From", sender),
        ("To", to_addr),
        ("Message-ID", message_id),
        ("Subject", encoded_words(subject, style.header_charset)),
    ]


def build_email(
    *,
    from_addr: str,
    from_name: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[tuple[str, bytes]],
    message_id: str | None = None,
    date: datetime | None = None,
    extra_headers: Mapping[str, str] | None = None,
    client: str = "163",
    to_addr: str = OFFICE_ADDRESS,
) -> bytes:
    """One raw message (CRLF line ends) as ``client`` ("163", "outlook", "foxmail") would send it."""
    style = CLIENTS[client]
    sent = date or DEFAULT_DATE
    sent = sent if sent.tzinfo else sent.replace(tzinfo=CST)
    seed = f"{client}|{from_addr}|{subject}|{sent.isoformat()}"
    body = _text_part(text, "plain", style, "base64")
    if html is not None:
        html_part = _text_part(html, "html", style, style.html_encoding)
        body = _multipart("alternative", _boundary(client, seed, 1), [body, html_part], None)
    root = body
    if attachments:
        parts = [body] + [_attachment_part(name, data, style) for name, data in attachments]
        root = _multipart("mixed", _boundary(client, seed, 0), parts, style.preamble)

    message = EmailMessage(policy=policy.SMTP)
    identifier = _message_id_header(message_id, client, seed, from_addr)
    for name, value in _headers(style, client, seed, sent, from_addr, from_name, to_addr, subject, identifier):
        message.set_raw(name, value)
    for name, value in (extra_headers or {}).items():
        message.set_raw(name, encoded_words(value, style.header_charset))
    message.set_raw("MIME-Version", "1.0")
    message.set_raw("X-Mailer", style.mailer)
    for name, value in root.raw_items():
        message.set_raw(name, value)
    message.set_payload(root.get_payload())
    message.preamble = root.preamble
    return message.as_bytes(policy=_WRITE_POLICY)
