"""A generated set of hostile mails, each built for real (no fixture files), for the end-to-end
hostile-input suite. Archives are written with the byte-exact builders of tests/formats.

Every builder returns the raw bytes of one complete mail from a unit that could exist, so the
pipeline has to take each one all the way: store, parse, unpack, read, classify, judge, reply.
"""

from __future__ import annotations

import base64
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime

from shenbao.samples.build import CST, OFFICE_ADDRESS, build_email, deeds_docx, form_docx, photo_jpeg, screenshot_png
from tests.formats.builders import gbk_zip, zip_raw

SENDER, UNIT, NAME = "mzszgh@163.com", "孟州市总工会", "赵海燕"
SENT = datetime(2021, 4, 27, 10, 30, tzinfo=CST)
MB = 1 << 20


def _mail(attachments: list[tuple[str, bytes]], subject: str = f"推荐材料-{NAME}") -> bytes:
    return build_email(from_addr=SENDER, from_name=UNIT, subject=subject, text="推荐材料请查收。",
                       attachments=attachments, date=SENT)


def _head(extra: str = "", subject: str = f"推荐材料-{NAME}") -> bytes:
    return (f"From: {SENDER}\r\nTo: {OFFICE_ADDRESS}\r\nSubject: {subject}\r\n"
            f"Date: Tue, 27 Apr 2021 10:30:00 +0800\r\nMessage-ID: <hostile.{zlib.crc32((extra + subject).encode())}@163.com>\r\n"
            f"MIME-Version: 1.0\r\n{extra}").encode()


# --- archives and documents -----------------------------------------------------------------

def zip_bomb() -> bytes:
    """One member of 200 MB of zeros, about 200 KB packed (ratio ~1000)."""
    return _mail([("材料.zip", gbk_zip({"推荐表.docx": b"\0" * (200 * MB)}))])


def nested_zip_bomb(levels: int = 4, copies: int = 16) -> bytes:
    """42.zip's shape: every layer holds 16 copies of the one below; 16**4 MB = 64 GB if unpacked."""
    data = zip_raw([(b"0.bin", b"\0" * MB)])
    for level in range(levels):
        data = zip_raw([(f"{level}-{n}.zip".encode(), data) for n in range(copies)])
    return _mail([("全部材料.zip", data)])


def xml_bomb_docx() -> bytes:
    """A real 推荐表 .docx whose document.xml is replaced by a "billion laughs" entity expansion
    (10 levels of 10: 10**10 characters if a parser expanded it)."""
    entities = '<!ENTITY e0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE w:document [{entities}]>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                '<w:body><w:p><w:r><w:t>姓名：&e9;</w:t></w:r></w:p></w:body></w:document>').encode()
    source = zipfile.ZipFile(io.BytesIO(form_docx(NAME, UNIT)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item.filename, document if item.filename == "word/document.xml" else source.read(item))
    return _mail([(f"{NAME}推荐表.docx", out.getvalue())])


# --- images ----------------------------------------------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 40_000) -> bytes:
    """A 1-bit PNG of side x side pixels (1.6 gigapixels) that packs into a few hundred KB."""
    row = b"\0" + b"\0" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 500) for _ in range(side // 500)) + packer.flush()
    png = (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
           + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b""))
    return _mail([("工作照1.png", png), ("工作照2.png", png)])


def jpeg_bomb() -> bytes:
    """A JPEG whose frame header claims 65500 x 65500 pixels (4.3 gigapixels), with no real data."""
    good = photo_jpeg(20_000, seed=5, size=(320, 240))
    marker = good.index(b"\xff\xc0")
    lying = good[: marker + 5] + struct.pack(">HH", 65500, 65500) + good[marker + 9:]
    return _mail([("工作照.jpg", lying), ("生活照.jpg", lying[: len(lying) // 2])])


# --- names, empty and truncated files ---------------------------------------------------------

def hostile_names() -> bytes:
    long_name = "推荐" * 200 + ".docx"  # 402 characters, 1204 bytes in UTF-8
    data = form_docx(NAME, UNIT)
    return _mail([("../../../../../../tmp/shenbao-evil.docx", data), ("/etc/shenbao-evil.conf", b"x"),
                  ("..\\..\\Windows\\shenbao-evil.ini", b"y"), ("con", b"z"), (".", b"dot"), ("..", b"dotdot"),
                  ("\u202egpj.exe", b"rtl"), ("name\x00with-nul.txt", b"nul"), (long_name, data),
                  ("照片\r\nBcc: victim@example.com.jpg", b"crlf")])


def empty_and_truncated() -> bytes:
    form, deeds, shot = form_docx(NAME, UNIT), deeds_docx(NAME), screenshot_png("信用中国", NAME, size=(300, 200))
    photo = photo_jpeg(20_000, seed=9, size=(320, 240))
    return _mail([("推荐表.docx", b""), ("事迹材料.docx", deeds[: len(deeds) // 2]), ("征信.png", shot[:100]),
                  ("工作照.jpg", photo[:300]), ("压缩包.zip", gbk_zip({"a.txt": b"a" * 1000})[:-30]),
                  ("空.zip", b"PK\x05\x06" + b"\0" * 18), ("另一张推荐表.docx", form[:-200])])


# --- size and count ----------------------------------------------------------------------------

def many_attachments(count: int = 10_000) -> bytes:
    return _mail([(f"附件{n:05d}.txt", f"第{n}个".encode()) for n in range(count)])


def huge_attachment(size: int = 100 * MB) -> bytes:
    """One incompressible 100 MB attachment (base64: a 137 MB mail). Built without holding 3 copies."""
    boundary = "----=_Part_huge"
    chunk = bytes(range(256)) * 3 * 1024  # 768 KB, a multiple of 3: whole base64 lines per chunk
    body = base64.encodebytes(chunk).replace(b"\n", b"\r\n")
    repeats = size // len(chunk)
    return b"".join([
        _head(f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n'), b"\r\n",
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n照片原图，请查收。\r\n".encode(),
        f"--{boundary}\r\nContent-Type: application/octet-stream; name=\"photos.bin\"\r\n"
        f"Content-Disposition: attachment; filename=\"photos.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode(),
        body * repeats, f"\r\n--{boundary}--\r\n".encode()])


# --- MIME structure, charsets, headers -----------------------------------------------------------

def broken_boundaries() -> Iterator[tuple[str, bytes]]:
    form = base64.encodebytes(form_docx(NAME, UNIT)).replace(b"\n", b"\r\n")
    part = (b"Content-Type: application/octet-stream; name=\"a.docx\"\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=\"a.docx\"\r\n\r\n" + form)
    yield "boundary-never-appears", _head('Content-Type: multipart/mixed; boundary="nowhere"\r\n') + b"\r\n--elsewhere\r\n" + part
    yield "no-closing-boundary", _head('Content-Type: multipart/mixed; boundary="b1"\r\n') + b"\r\n--b1\r\n" + part
    yield "empty-boundary", _head('Content-Type: multipart/mixed; boundary=""\r\n') + b"\r\n--\r\n" + part + b"\r\n----\r\n"
    yield "no-boundary-parameter", _head("Content-Type: multipart/mixed\r\n") + b"\r\n--x\r\n" + part + b"\r\n--x--\r\n"
    yield "child-reuses-parent-boundary", _head('Content-Type: multipart/mixed; boundary="same"\r\n') + (
        b"\r\n--same\r\nContent-Type: multipart/alternative; boundary=\"same\"\r\n\r\n--same\r\n" + part + b"\r\n--same--\r\n")
    deep = b"".join(f'--d{n}\r\nContent-Type: multipart/mixed; boundary="d{n + 1}"\r\n\r\n'.encode() for n in range(3000))
    yield "3000-levels-deep", _head('Content-Type: multipart/mixed; boundary="d0"\r\n') + b"\r\n" + deep + part
    yield "boundary-of-200k-chars", _head(f'Content-Type: multipart/mixed; boundary="{"b" * 200_000}"\r\n') + b"\r\n" + part


def invalid_charsets() -> Iterator[tuple[str, bytes]]:
    text = "事迹材料正文".encode("gbk") + b"\xff\xfe\x80"
    yield "unknown-body-charset", _head("Content-Type: text/plain; charset=x-no-such-charset\r\n") + b"\r\n" + text
    yield "utf8-label-gbk-bytes", _head("Content-Type: text/plain; charset=utf-8\r\n") + b"\r\n" + text
    yield "charset-with-injection", _head('Content-Type: text/plain; charset="utf-8\r\nBcc: victim@example.com"\r\n') + b"\r\nhi"
    yield "unknown-encoded-word", _head(subject="=?x-foo?B?5o6o6I2Q?= =?utf-8?Q?=ZZ=?= =?gb2312?B?!!!notbase64?=") + b"\r\nhi"
    yield "raw-8bit-headers", _head(subject="SUBJECT").replace(b"SUBJECT", "推荐材料".encode("gbk")) + b"\r\nhi"
    yield "utf-16-without-bom", _head("Content-Type: text/plain; charset=utf-16\r\n") + b"\r\n" + b"\x00" * 7
    yield "raw-8bit-message-ids", _head("In-Reply-To: <IRT>\r\nReferences: <REF>\r\n").replace(
        b"Message-ID: <hostile.", b"Message-ID: <\xc2\x80\xff.").replace(b"IRT", b"\xe4\xb8\xad\xff@x").replace(
        b"REF", b"a\x80@b") + b"\r\nhi"
    yield "unknown-transfer-encoding", _head("Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode-ish\r\n") + b"\r\n@@@"


def header_injection() -> Iterator[tuple[str, bytes]]:
    def word(text: str) -> str:
        return "=?utf-8?B?" + base64.b64encode(text.encode()).decode() + "?="

    injected = "推荐材料\r\nBcc: victim@example.com\r\nX-Injected: yes"
    yield "crlf-in-encoded-subject", _head(subject=word(injected)) + b"\r\n\xe8\xaf\xb7\xe6\x9f\xa5\xe6\x94\xb6"
    yield "lf-in-encoded-subject", _head(subject=word("推荐\nTo: victim@example.com")) + b"\r\nhi"
    name = word("王\r\nBcc: victim@example.com")
    yield "crlf-in-display-name", _head(subject="推荐材料").replace(
        f"From: {SENDER}".encode(), f'From: "{name}" <{SENDER}>'.encode()) + b"\r\nhi"
    yield "crlf-in-message-id", _head(subject="推荐材料").replace(
        b"Message-ID: <", b"Message-ID: <x@y>\r\n Bcc: victim@example.com <") + b"\r\nhi"
    yield "huge-references", _head("References: " + " ".join(f"<r{n}@x>" for n in range(20_000)) + "\r\n") + b"\r\nhi"
    yield "subject-of-1mb", _head(subject="长" * (1 << 19)) + b"\r\nhi"


HEAVY: dict[str, Callable[[], bytes]] = {
    "zip-bomb": zip_bomb, "nested-zip-bomb": nested_zip_bomb, "xml-bomb-docx": xml_bomb_docx,
    "png-decompression-bomb": png_bomb, "jpeg-decompression-bomb": jpeg_bomb, "10000-attachments": many_attachments,
}
LIGHT: dict[str, Callable[[], Iterator[tuple[str, bytes]]]] = {
    "broken-mime-boundaries": broken_boundaries, "invalid-charsets": invalid_charsets,
    "header-injection": header_injection,
}
SINGLE_LIGHT: dict[str, Callable[[], bytes]] = {"hostile-names": hostile_names, "empty-and-truncated": empty_and_truncated}
