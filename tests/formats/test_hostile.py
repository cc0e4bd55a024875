"""Hostile attachments: each is built for real, refused with a Chinese reason, in bounded memory.

Memory is measured with tracemalloc around the read (Python-level allocations, which is where
unpacked bytes would live); time is bounded by pytest-timeout on each test.
"""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

from msoffcrypto.format.ooxml import OOXMLFile
import pytest
from pypdf import PdfWriter

from ingest.files import ReadFile, read_attachments
from ingest.limits import Limits
from ingest.read_docx import BOMB_REASON
from ingest.read_office import ENCRYPTED_OFFICE
from shenbao.samples.build import deeds_docx, photo_jpeg, photo_png
from tests.formats.builders import gbk_zip, rar4, seven_zip, winmail_dat, zip_raw

MB = 1 << 20
MEMORY_CEILING = 48 * MB  # peak Python allocations while reading one hostile mail's attachments


def read_bounded(attachments: list[tuple[str, bytes]], tmp_path: Path, limits: Limits | None = None) -> list[ReadFile]:
    tracemalloc.start()
    try:
        read = read_attachments(attachments, limits or Limits(), tmp_path / "scratch")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_CEILING, f"peak {peak // MB} MB"
    assert list((tmp_path / "scratch").iterdir()) == []  # scratch space emptied
    return read


def reasons(read: list[ReadFile]) -> dict[str, str]:
    return {r.facts.filename: r.facts.unreadable for r in read}


def nested(depth: int) -> bytes:
    data = b"deep"
    for level in range(depth):
        data = zip_raw([(f"level{level}.zip".encode(), data)] if level else [(b"core.txt", data)])
    return data


def forty_two(levels: int = 5, copies: int = 16) -> bytes:
    """42.zip's shape: each layer holds 16 copies of the layer below; the core is 8 MB of zeros."""
    data = zip_raw([(b"0.txt", b"\x00" * (8 * MB))])
    for level in range(levels):
        data = zip_raw([(f"{level}-{n}.zip".encode(), data) for n in range(copies)])
    return data


@pytest.mark.parametrize("pack", [gbk_zip, seven_zip], ids=["zip", "7z"])
@pytest.mark.timeout(60)
def test_archive_bomb_member_is_refused_by_its_ratio(pack: Callable[[dict[str, bytes]], bytes], tmp_path: Path) -> None:
    bomb = pack({"数据.txt": b"\x00" * (40 * MB)})
    found = reasons(read_bounded([("材料.zip", bomb), ("照片.zip", gbk_zip({"照片.jpg": os.urandom(3000)}))], tmp_path))
    assert "压缩炸弹" in found["材料.zip/数据.txt"]
    assert found["材料.zip"] == "" and found["照片.zip/照片.jpg"] == ""


@pytest.mark.timeout(60)
def test_42_zip_style_nesting_is_cut_by_depth_and_member_count(tmp_path: Path) -> None:
    read = read_bounded([("42.zip", forty_two())], tmp_path)
    assert len(read) <= Limits().max_archive_members + 20
    assert any("层" in r.facts.unreadable or "过多" in r.facts.unreadable for r in read)
    assert all(r.facts.size < 9 * MB for r in read)


@pytest.mark.timeout(30)
def test_nesting_deeper_than_the_limit_is_not_opened(tmp_path: Path) -> None:
    found = reasons(read_bounded([("套娃.zip", nested(6))], tmp_path))
    deepest = [name for name, reason in found.items() if "嵌套层数过多" in reason]
    assert deepest == ["套娃.zip/level5.zip/level4.zip/level3.zip"]
    assert not any(name.endswith("core.txt") for name in found)


@pytest.mark.timeout(30)
def test_member_count_and_total_size_limits_cut_the_archive(tmp_path: Path) -> None:
    many = zip_raw([(f"{n}.txt".encode(), str(n).encode()) for n in range(700)])
    big = zip_raw([(f"{n}.bin".encode(), os.urandom(400_000)) for n in range(4)], deflate=False)
    limits = Limits(max_archive_total_bytes=1_000_000)
    found = reasons(read_bounded([("多.zip", many), ("大.zip", big)], tmp_path, limits))
    assert "文件过多" in found["多.zip"] and sum(n.startswith("多.zip/") for n in found) == 500
    assert "总大小" in found["大.zip"] and sum(n.startswith("大.zip/") for n in found) == 2


@pytest.mark.timeout(30)
def test_header_that_lies_about_the_size_gets_no_more_than_it_claims(tmp_path: Path) -> None:
    liar = zip_raw([(b"a.txt", b"A" * (5 * MB))], declared_sizes={b"a.txt": 100})
    found = reasons(read_bounded([("假.zip", liar)], tmp_path))
    assert "损坏" in found["假.zip/a.txt"]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("加密.zip", lambda: zip_raw([(b"a.docx", b"x" * 100), (b"b.jpg", b"y" * 100)], flags=0x1)),
        ("加密.7z", lambda: seven_zip({"推荐表.docx": b"x" * 100}, password="123456")),
        ("加密.rar", lambda: rar4({"推荐表.docx": b"x" * 100}, encrypted=True)),
    ],
)
@pytest.mark.timeout(30)
def test_encrypted_archives_are_unreadable_because_encrypted(name: str, make: Callable[[], bytes], tmp_path: Path) -> None:
    found = reasons(read_bounded([(name, make())], tmp_path))
    assert list(found) == [name] and "加密" in found[name]


def test_one_encrypted_member_is_refused_alone(tmp_path: Path) -> None:
    archive = zip_raw([(b"a.txt", "事迹".encode() * 40)])
    mixed = zip_raw([(b"secret.txt", b"s" * 50)], flags=0x1)
    found = reasons(read_bounded([("a.zip", archive), ("b.zip", mixed)], tmp_path))
    assert found["a.zip/a.txt"] == "" and "加密" in found["b.zip"]


def encrypted_docx() -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(deeds_docx("张三", 2100))).encrypt("123456", out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="123456", owner_password="654321")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "make"), [("事迹材料.docx", encrypted_docx), ("推荐表.pdf", encrypted_pdf)])
def test_password_protected_documents_are_unreadable_because_encrypted(name: str, make: Callable[[], bytes],
                                                                       tmp_path: Path) -> None:
    found = reasons(read_bounded([(name, make())], tmp_path))
    assert "加密" in found[name]


def test_password_protected_doc_is_not_sent_to_the_converter(office_files: dict[str, bytes], tmp_path: Path) -> None:
    import olefile

    path = tmp_path / "加密.doc"
    path.write_bytes(office_files["form.doc"])
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("WordDocument").read())
        stream[0x0B] |= 0x01  # FIB flags: fEncrypted
        ole.write_stream("WordDocument", bytes(stream))
    found = reasons(read_bounded([("推荐表.doc", path.read_bytes())], tmp_path))
    assert found["推荐表.doc"] == ENCRYPTED_OFFICE


ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololol">'
               + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                          for n in range(1, 10))
               + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
               + b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")


def docx_replacing(part: str, data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(deeds_docx("张三", 300)))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, data if info.filename == part else source.read(info.filename))
    return out.getvalue()


@pytest.mark.timeout(60)
def test_xml_entity_bomb_in_a_docx_is_not_expanded(tmp_path: Path) -> None:
    [read] = read_bounded([("事迹.docx", docx_replacing("word/document.xml", ENTITY_BOMB))], tmp_path)
    assert len(read.facts.text) < 10_000


@pytest.mark.timeout(60)
def test_oversized_xml_part_in_a_docx_is_refused_before_parsing(tmp_path: Path) -> None:
    filler = os.urandom(11 * MB).hex().encode()  # 22 MB of poorly compressible text
    data = docx_replacing("word/document.xml", b"<w:document>" + filler + b"</w:document>")
    del filler
    [read] = read_bounded([("事迹.docx", data)], tmp_path)
    assert read.facts.unreadable == BOMB_REASON


@pytest.mark.timeout(30)
def test_image_over_the_pixel_limit_is_a_decompression_bomb(tmp_path: Path) -> None:
    found = reasons(read_bounded([("照片.png", photo_png(size=(1600, 1200)))], tmp_path,
                                 Limits(max_image_pixels=1_000_000)))
    assert "解压炸弹" in found["照片.png"]


@pytest.mark.parametrize(
    ("name", "data"),
    [("坏.7z", seven_zip({"a.txt": b"a" * 5000})[:60]), ("坏.zip", b"PK\x03\x04" + os.urandom(300)),
     ("坏.rar", rar4({"a.txt": b"a"})[:30]), ("winmail.dat", winmail_dat({"A.TXT": b"a"})[:20])],
)
def test_broken_archives_are_unreadable_not_a_crash(name: str, data: bytes, tmp_path: Path) -> None:
    found = reasons(read_bounded([(name, data)], tmp_path))
    assert "损坏" in found[name]


def test_truncated_photo_inside_an_archive_is_unreadable(tmp_path: Path) -> None:
    half = photo_jpeg(seed=2)[:200_000]
    found = reasons(read_bounded([("照片.zip", gbk_zip({"照片1.jpg": half}))], tmp_path))
    assert "损坏" in found["照片.zip/照片1.jpg"]


def test_attachment_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    found = reasons(read_bounded([("大.jpg", photo_jpeg(seed=1))], tmp_path, Limits(max_attachment_bytes=1_000_000)))
    assert "文件过大" in found["大.jpg"]
