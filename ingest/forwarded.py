"""A mail inside a mail (``message/rfc822``, Outlook's "attach as item", a ``.eml`` file) opened
like an archive: its attachments and its text are the members.

A county union forwards a grassroots unit's submission as an attachment: the forwarded mail's
attachments become files of the nomination, named ``转发邮件/照片1.jpg`` (the folder is the
attached mail's name without ``.eml``: its subject, sanitised, or 转发邮件 when it has none); its
text body, when it is long enough to be a deeds text, is the member ``正文.txt``; a mail inside it
is opened the same way, nested archives too, all within the ``[limits]`` of one attachment (a
forwarded mail counts as one level of nesting). Its headers are kept in the file facts
(``FileFacts.mail_headers``), never read as a document: its raw source is no deeds text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ingest.archives import Entry, Reader
from ingest.html_text import body_text
from ingest.parse import parse_mail
from ingest.types import FileFacts, ParsedMail

KIND = "eml"
BODY_MEMBER = "正文.txt"
MIN_BODY_CHARS = 300  # a shorter body is a covering note (as for the mail's own body)
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:", re.MULTILINE)
_SNIFF_BYTES = 4096


def is_mail(name: str, data: bytes) -> bool:
    """An attached mail: named ``….eml`` (``ingest.parse`` names every attached mail so) and
    starting with a header line."""
    return name.lower().endswith(".eml") and bool(_HEADER_LINE.match(data.lstrip(b"\r\n")[:_SNIFF_BYTES]))


def folder_of(name: str) -> str:
    """The folder the members of the attached mail ``name`` are listed under."""
    return name[:-len(".eml")] if name.lower().endswith(".eml") else name


def _members(parsed: ParsedMail) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    body = body_text(parsed)
    if len("".join(body.split())) >= MIN_BODY_CHARS:
        members[BODY_MEMBER] = body.encode("utf-8")
    for attachment in parsed.attachments:
        name, counter = attachment.filename or "附件", 2
        while name in members:  # two parts with one name: both kept, the second as "name(2)"
            stem, dot, ext = attachment.filename.rpartition(".")
            name = f"{stem}({counter}).{ext}" if dot else f"{attachment.filename}({counter})"
            counter += 1
        members[name] = attachment.data
    return members


@contextmanager
def open_mail(data: bytes, workdir: Path) -> Iterator[tuple[list[Entry], Reader]]:
    """Archive opener (see ``ingest.archives.OPENERS``) for an attached mail."""
    members = _members(parse_mail(data))
    entries = [Entry(name, len(content), len(content)) for name, content in members.items()]

    def read(accepted: list[Entry], cap: int) -> dict[str, bytes | str]:
        return {entry.name: members[entry.name][:cap + 1] for entry in accepted}

    yield entries, read


def mail_headers(parsed: ParsedMail) -> dict[str, str]:
    """What the office may want to know of an attached mail: who sent it, when, about what."""
    found = {
        "from": f"{parsed.from_name} <{parsed.from_addr}>" if parsed.from_name else parsed.from_addr,
        "to": ", ".join(parsed.to),
        "subject": parsed.subject,
        "date": parsed.date.isoformat() if parsed.date else "",
        "message_id": parsed.message_id,
    }
    return {key: value[:300] for key, value in found.items() if value}


def mail_facts(name: str, data: bytes, sha256: str) -> FileFacts:
    """The facts of the attached mail itself: its headers, no text (its members carry that)."""
    return FileFacts(name, len(data), sha256, KIND, mail_headers=mail_headers(parse_mail(data)))
