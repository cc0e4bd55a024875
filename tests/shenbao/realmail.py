"""Mails built byte for byte as real clients and robots write them (CRLF, base64 lines of 76, each
part's own headers), for the issue 16 tests that run them through the real intake (`run --once`)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shenbao.samples.build import CST, deeds_docx, form_docx, photo_jpeg, screenshot_png
from tests.shenbao.conftest import Service

WHEN = datetime(2021, 4, 26, 10, 0, tzinfo=CST)
OFFICE = "jzghxjb@163.com"
CRLF = b"\r\n"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def b64(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return CRLF.join(text[i:i + 76] for i in range(0, len(text), 76))


def part(headers: list[bytes], body: bytes) -> bytes:
    return CRLF.join(headers) + CRLF + CRLF + body


def attached(ctype: str, name: str, data: bytes, cte: bytes = b"base64") -> bytes:
    quoted = name.encode()
    return part([b"Content-Type: " + ctype.encode() + b'; name="' + quoted + b'"',
                 b"Content-Transfer-Encoding: " + cte,
                 b'Content-Disposition: attachment; filename="' + quoted + b'"'], b64(data))


def text_part(text: str, charset: str = "utf-8", subtype: str = "plain") -> bytes:
    return part([f"Content-Type: text/{subtype}; charset={charset}".encode(), b"Content-Transfer-Encoding: base64"],
                b64(text.encode(charset)))


def mail(headers: list[bytes], parts: list[bytes], subtype: str = "mixed", params: bytes = b"") -> bytes:
    # a boundary unique as a client makes it (RFC 2046: never inside an enclosed mail, maybe another of these)
    boundary = b"----=_Part_16_" + hashlib.sha1(b"".join(parts)).hexdigest()[:16].encode()
    lines = headers + [b"MIME-Version: 1.0",
                       b"Content-Type: multipart/" + subtype.encode() + b"; " + params + b'boundary="' + boundary + b'"']
    body = b"".join(b"--" + boundary + CRLF + p + CRLF for p in parts) + b"--" + boundary + b"--" + CRLF
    return CRLF.join(lines) + CRLF + CRLF + body


def head(from_line: str, subject: str, mid: str, extra: Sequence[str] = ()) -> list[bytes]:
    return [f"From: {from_line}".encode(), f"To: {OFFICE}".encode(), f"Subject: {subject}".encode(),
            b"Date: Mon, 26 Apr 2021 10:00:00 +0800", f"Message-ID: <{mid}>".encode(), *(e.encode() for e in extra)]


COVER = "陈老师：\n    您好！现将沁阳市总工会推荐的候选人沈军同志的推荐材料报送给您，请查收。\n    联系人：张秋菊\n沁阳市总工会"
SUBJECT = "=?UTF-8?B?" + base64.b64encode("推荐材料-沁阳市总工会-沈军".encode()).decode() + "?="
UNIT = "=?UTF-8?B?" + base64.b64encode("沁阳市总工会".encode()).decode() + "?= <qyszgh@163.com>"


def material(*, form: bytes | None = None, credit: bytes | None = None, photos: list[bytes] | None = None) -> bytes:
    """A nomination of 沈军 from 沁阳市总工会 whose parts can be swapped for odd ones."""
    form = form if form is not None else attached(DOCX, "推荐表.docx", form_docx("沈军", "沁阳市总工会"))
    credit = credit if credit is not None else attached("image/png", "征信查询截图.png", screenshot_png("信用中国", "沈军"))
    if photos is None:
        photos = [attached("image/jpeg", f"工作照{n}.jpg", photo_jpeg(seed=n)) for n in (1, 2)]
    parts = [text_part(COVER), form, attached(DOCX, "沈军事迹材料.docx", deeds_docx("沈军")), credit, *photos]
    return mail(head(UNIT, SUBJECT, "m16.material@163.com"), parts)


def run(service: Service, raw: bytes) -> dict[str, Any]:
    """``raw`` delivered to the folder mailbox, ``run --once``, and the JSON export."""
    service.deliver("m.eml", raw, WHEN)
    service.run_once()
    return service.export()
