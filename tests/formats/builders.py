"""Real files of every format units send, built byte by byte or with the format's own library.

zip: written by hand so member names are exactly the bytes Chinese Windows tools write (GBK,
no UTF-8 flag) or macOS writes (UTF-8, no flag), with the flag, or with Info-ZIP's Unicode
Path extra field. rar: RAR 4 archives with stored members (nothing free can compress RAR).
TNEF: a winmail.dat as Outlook writes it. RTF: GBK text behind \\'xx escapes.
"""

from __future__ import annotations

import io
import struct
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import docx
import py7zr
from docx.shared import Cm

ZipMember = tuple[bytes, bytes]  # (raw name bytes, data)


def _dos_time() -> tuple[int, int]:
    return (10 << 11) | (15 << 5), ((2021 - 1980) << 9) | (4 << 5) | 26


def zip_raw(members: Sequence[ZipMember], *, flags: int = 0, deflate: bool = True,
            extra: bytes = b"", declared_sizes: dict[bytes, int] | None = None) -> bytes:
    """A zip whose names are the given bytes. ``flags`` goes into every header (0x800 = UTF-8,
    0x1 = encrypted); ``declared_sizes`` makes the headers lie about a member's unpacked size."""
    out, central = io.BytesIO(), io.BytesIO()
    time, date = _dos_time()
    for name, data in members:
        packed = zlib.compress(data, 9)[2:-4] if deflate else data
        method = 8 if deflate else 0
        crc = zlib.crc32(data)
        size = (declared_sizes or {}).get(name, len(data))
        offset = out.tell()
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flags, method, time, date, crc, len(packed), size,
                              len(name), len(extra)) + name + extra + packed)
        central.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flags, method, time, date, crc,
                                  len(packed), size, len(name), len(extra), 0, 0, 0, 0, offset) + name + extra)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central.getvalue()),
                          start, 0))
    return out.getvalue()


def gbk_zip(members: dict[str, bytes]) -> bytes:
    """As Chinese-locale WinRAR/7-Zip/Windows Explorer write it: GBK names, no UTF-8 flag."""
    return zip_raw([(name.encode("gbk"), data) for name, data in members.items()])


def utf8_flag_zip(members: dict[str, bytes]) -> bytes:
    return zip_raw([(name.encode("utf-8"), data) for name, data in members.items()], flags=0x800)


def unicode_extra_zip(name: str, data: bytes) -> bytes:
    """Info-ZIP style: an ASCII-only fallback name plus the real name in a 0x7075 extra field."""
    fallback = b"_____.txt"
    body = b"\x01" + struct.pack("<I", zlib.crc32(fallback)) + name.encode("utf-8")
    extra = struct.pack("<HH", 0x7075, len(body)) + body
    return zip_raw([(fallback, data)], extra=extra)


def seven_zip(members: dict[str, bytes], password: str | None = None) -> bytes:
    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w", password=password, header_encryption=bool(password)) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return out.getvalue()


def seven_zip_as_written(members: Sequence[tuple[str, bytes]], *, link_first: str = "") -> bytes:
    """A solid 7z holding exactly these names, in this order, even ``../x`` and one name twice (py7zr's
    own ``writestr`` refuses those; its unchecked ``_writestr`` writes what a hostile tool writes).
    ``link_first``: a symbolic link of that name stored before them all."""
    out = io.BytesIO()
    with tempfile.TemporaryDirectory() as scratch, py7zr.SevenZipFile(out, "w") as archive:
        if link_first:
            (Path(scratch) / "target").write_bytes(b"")  # py7zr stores a link whose target exists
            link = Path(scratch) / "link"
            link.symlink_to("target")
            archive.write(link, link_first)
        for name, data in members:
            archive._writestr(data, name)
    return out.getvalue()


def _rar_block(kind: int, flags: int, body: bytes, add_size: int = 0) -> bytes:
    size = 7 + len(body)
    header = struct.pack("<BHH", kind, flags, size) + body
    crc = zlib.crc32(header) & 0xFFFF
    return struct.pack("<H", crc) + header


def rar4(members: dict[str, bytes], *, encrypted: bool = False) -> bytes:
    """A RAR 4 archive with stored (method 0x30) members; names as UTF-8 with the unicode flag."""
    out = b"Rar!\x1a\x07\x00" + _rar_block(0x73, 0, b"\x00" * 6)
    time, date = _dos_time()
    for name, data in members.items():
        raw_name = name.encode("utf-8")  # rarfile reads a unicode-flagged name without NUL as UTF-8
        flags = 0x8000 | (0x0200 if not name.isascii() else 0) | (0x0004 if encrypted else 0)
        body = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), (date << 16) | time, 20, 0x30,
                           len(raw_name), 0x20) + raw_name
        out += _rar_block(0x74, flags, body) + data
    return out + _rar_block(0x7B, 0x4000, b"")


def _tnef_attribute(level: int, attribute: int, data: bytes) -> bytes:
    return struct.pack("<BII", level, attribute, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def winmail_dat(attachments: dict[str, bytes]) -> bytes:
    """A TNEF stream (Outlook's winmail.dat) carrying the attachments under their 8.3 titles."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _tnef_attribute(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attribute(1, 0x00069007, struct.pack("<II", 936, 0))  # attOemCodepage: GBK
    for title, data in attachments.items():
        out += _tnef_attribute(2, 0x00069002, b"\x01\x00" + b"\xff" * 4 + b"\x00" * 8)  # attAttachRenddata
        out += _tnef_attribute(2, 0x00018010, title.encode("gbk") + b"\x00")  # attAttachTitle
        out += _tnef_attribute(2, 0x0006800F, data)  # attAttachData
    return out


def gbk_rtf(paragraphs: Sequence[str]) -> bytes:
    """An RTF document as WPS/Word on a Chinese Windows saves it: ANSI code page 936."""
    def escape(text: str) -> str:
        return "".join(c if c.isascii() and c not in "\\{}" else "".join(f"\\'{b:02x}" for b in c.encode("gbk"))
                       for c in text)
    body = "".join(f"{{\\pard {escape(p)}\\par}}\n" for p in paragraphs)
    return ("{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 \\'cb\\'ce\\'cc\\'e5;}}\n"
            + body + "}").encode("ascii")


def docx_with_pictures(title: str, text: str, pictures: Sequence[bytes]) -> bytes:
    """A Word document with photos pasted into it (word/media/*)."""
    document = docx.Document()
    document.add_heading(title, level=1)
    document.add_paragraph(text)
    for picture in pictures:
        document.add_picture(io.BytesIO(picture), width=Cm(12))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
