"""Hypothesis strategies that write mail-shaped bytes: real header names with hostile values, MIME
trees of random shape, and attachments made from real documents and pictures, then mangled.

Random bytes alone rarely get past the first header line; these reach every stage of
parse -> unpack -> read -> classify, while still being anything but well-formed.
"""

from __future__ import annotations

import base64
import quopri
from functools import lru_cache

from hypothesis import strategies as st

from shenbao.samples.build import deeds_docx, form_docx, photo_jpeg, photo_png, screenshot_png
from tests.formats.builders import gbk_zip

HEADER_NAMES = ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Return-Path",
                "Auto-Submitted", "Precedence", "List-Id", "X-Autoreply", "Content-Type", "Content-Transfer-Encoding",
                "Content-Disposition", "MIME-Version", "Reply-To", "Received")
CHARSETS = ("utf-8", "gb2312", "gbk", "gb18030", "big5", "iso-2022-jp", "x-unknown", "utf-16", "", "utf-8\r\n")
CONTENT_TYPES = ("text/plain", "text/html", "application/octet-stream", "image/jpeg", "image/png", "application/zip",
                 "application/msword", "message/rfc822", "message/delivery-status", "multipart/mixed", "x/y", "")
ENCODINGS = ("base64", "quoted-printable", "7bit", "8bit", "binary", "x-uue", "")


@lru_cache(maxsize=1)
def seeds() -> tuple[bytes, ...]:
    """Real files the units send, small: the mangler starts from these."""
    form = form_docx("张三", "解放区总工会")
    return (form, deeds_docx("张三", 400), photo_jpeg(3_000, seed=1, size=(64, 48)), photo_png(seed=2, size=(40, 30)),
            screenshot_png("信用中国", "张三", size=(80, 60)), gbk_zip({"推荐表.docx": form, "照片.jpg": b"\xff\xd8\xff"}),
            "姓名：张三\n性别：男\n".encode("gbk"), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n")


@st.composite
def mangled_file(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    cut = draw(st.integers(0, len(data)))
    if draw(st.booleans()):
        data = data[:cut]
    for _ in range(draw(st.integers(0, 4))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    return bytes(data) + draw(st.binary(max_size=16))


def _text() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8"), max_size=40)  # the codec already leaves out surrogates


@st.composite
def header_value(draw: st.DrawFn) -> bytes:
    """A header value: plain, an encoded word (any charset, any payload), raw 8-bit, with folds or bare CR/LF."""
    kind = draw(st.sampled_from(("plain", "word", "raw", "params", "address")))
    if kind == "word":
        charset = draw(st.sampled_from(CHARSETS))
        payload = base64.b64encode(draw(st.binary(max_size=30))) if draw(st.booleans()) else draw(st.binary(max_size=30))
        value = b"=?" + charset.encode() + b"?" + draw(st.sampled_from((b"B", b"Q", b"X"))) + b"?" + payload + b"?="
    elif kind == "raw":
        value = draw(st.binary(max_size=60))
    elif kind == "params":
        name = draw(_text()).encode("utf-8", "replace")
        value = (draw(st.sampled_from(CONTENT_TYPES)).encode() + b"; charset=" + draw(st.sampled_from(CHARSETS)).encode()
                 + b"; name*=UTF-8''" + name + b"; boundary=\"" + draw(st.binary(max_size=12)) + b"\"")
    elif kind == "address":
        value = b'"' + draw(_text()).encode() + b'" <' + draw(st.binary(max_size=20)) + b"@163.com>"
    else:
        value = draw(_text()).encode()
    fold = draw(st.sampled_from((b"", b"\r\n\t", b"\n ", b"\r", b"\r\n")))
    return value[: len(value) // 2] + fold + value[len(value) // 2:]


@st.composite
def part(draw: st.DrawFn, depth: int = 0) -> bytes:
    ctype = draw(st.sampled_from(CONTENT_TYPES))
    headers = [b"Content-Type: " + ctype.encode() + b"; charset=" + draw(st.sampled_from(CHARSETS)).encode()]
    encoding = draw(st.sampled_from(ENCODINGS))
    headers.append(b"Content-Transfer-Encoding: " + encoding.encode())
    if draw(st.booleans()):
        headers.append(b"Content-Disposition: attachment; filename=\"" + draw(_text()).encode() + b"\"")
    if ctype.startswith("multipart") and depth < 4:
        boundary = draw(st.sampled_from((b"b1", b"b2", b"", b"=_x", b"b1 ")))
        headers[0] = b"Content-Type: " + ctype.encode() + b"; boundary=\"" + boundary + b"\""
        children = draw(st.lists(part(depth + 1), max_size=4))
        body = b"".join(b"--" + boundary + b"\r\n" + child + b"\r\n" for child in children)
        body += b"--" + boundary + b"--\r\n" if draw(st.booleans()) else b""
    else:
        body = draw(st.one_of(mangled_file(), st.binary(max_size=200), _text().map(str.encode)))
        if encoding == "base64":
            body = base64.encodebytes(body)
        elif encoding == "quoted-printable":
            body = quopri.encodestring(body)
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


@st.composite
def mail_bytes(draw: st.DrawFn) -> bytes:
    """A whole mail: some of the real headers with hostile values, then one MIME part (often multipart)."""
    names = draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=12))
    head = b"".join(name.encode() + b": " + draw(header_value()) + b"\r\n" for name in names)
    newline = draw(st.sampled_from((b"\r\n", b"\n")))
    return (head + draw(part())).replace(b"\r\n", newline)
