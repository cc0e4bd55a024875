"""ingest.read: kinds from content, form fields from real .docx tables, images, text, and bad input."""

from __future__ import annotations

import email
import hashlib
import io
import struct
import zipfile
import zlib
from email import policy
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import read, read_image
from ingest.read import read_file, sniff_kind
from ingest.read_office import BROKEN_OFFICE
from shenbao.samples.build import (
    deeds_docx,
    form_docx,
    heif_stub,
    nomination_email,
    photo_as,
    photo_jpeg,
    photo_png,
    screenshot_png,
    small_photo_jpeg,
)
from tests.ingest.mailfiles import attachments_of

SHARED = Path(__file__).resolve().parents[3] / "shared"
SAMPLE_JSONS = sorted((SHARED / "samples").glob("sample_*.json"))
REALWORLD_DIRS = sorted(p for p in (SHARED / "corpus" / "realworld").glob("*") if p.is_dir())


@cache
def photo() -> bytes:
    return photo_jpeg(seed=7)


@cache
def form() -> bytes:
    return form_docx("张三", "解放区总工会", job="焦作市某某机械厂数控车间主任", phone="13912345678")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width`` x ``height``, with a tiny IDAT (enough for Pillow to open it)."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b"")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


# --- kinds and hashes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("表.docx", form, "docx"),
        ("IMG_1.JPG", photo, "jpeg"),
        ("截图.png", lambda: screenshot_png(), "png"),
        ("a.webp", lambda: photo_as("WEBP", size=(320, 240)), "webp"),
        ("a.bmp", lambda: photo_as("BMP", size=(320, 240)), "bmp"),
        ("a.gif", lambda: photo_as("GIF", size=(320, 240)), "gif"),
        ("a.tif", lambda: photo_as("TIFF", size=(320, 240)), "tiff"),
        ("a.heic", lambda: heif_stub(4032, 3024), "heif"),
        ("a.zip", lambda: zip_bytes({"a.txt": b"hello"}), "zip"),
        ("a.txt", lambda: "事迹材料".encode(), "txt"),
    ],
)
def test_kind_comes_from_content(name: str, make, kind: str) -> None:
    data = make()
    facts = read_file(name, data)
    assert facts.kind == kind
    assert facts.size == len(data)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.filename == name


@pytest.mark.parametrize("misleading_name", ["照片.jpg", "推荐表.docx", "noext"])
def test_renamed_png_is_still_png(misleading_name: str) -> None:
    facts = read_file(misleading_name, screenshot_png())
    assert facts.kind == "png"
    assert facts.image is not None and facts.image.format == "PNG"


def test_binary_noise_is_unknown_not_text() -> None:
    noise = bytes(range(256)) * 8
    assert sniff_kind(noise) == "unknown"
    assert read_file("x.bin", noise).unreadable == ""


# --- docx forms -------------------------------------------------------------------------------


def test_form_fields_are_read_from_the_table_with_merged_cells() -> None:
    facts = read_file("推荐表.docx", form())
    assert facts.unreadable == ""
    assert facts.form_fields["姓名"] == "张三"
    assert facts.form_fields["性别"] == "男"
    assert facts.form_fields["工作单位及职务"] == "焦作市某某机械厂数控车间主任"  # merged over 5 cells
    assert facts.form_fields["联系电话"] == "13912345678"
    assert facts.form_fields["职称/技术等级"] == "工程师"
    assert facts.form_fields["主要事迹"].startswith("张三同志")
    assert "推荐表" in facts.text


def test_form_unit_drops_the_seal_note_and_the_date() -> None:
    assert read_file("推荐表.docx", form()).form_unit == "解放区总工会"


@pytest.mark.parametrize(
    ("label", "printed"),
    [
        ("姓名", "姓  名"),
        ("姓名", "姓　名"),  # ideographic space
        ("姓名", "姓名："),
        ("性别", "性 别:"),
        ("职称/技术等级", "职称／技术等级"),  # full-width slash
        ("工作单位及职务", "工作单位\n及职务"),
        ("主要事迹", "主要事迹(简要,200字左右)"),  # half-width variant of the template's note
        ("联系电话", "联系电话\u3000"),
        ("身份证号码", "身份证号"),
        ("出生年月", "出生年月日"),
    ],
)
def test_label_variants_map_to_one_key(label: str, printed: str) -> None:
    data = form_docx("李四", "山阳区总工会", labels={label: printed}, phone="13700000000", birth="1980年1月")
    fields = read_file("推荐表.docx", data).form_fields
    expected = {"姓名": "李四", "性别": "男", "职称/技术等级": "工程师", "工作单位及职务": "焦作市某某公司车间主任",
                "联系电话": "13700000000", "出生年月": "1980年1月"}
    assert label in fields
    if label in expected:
        assert fields[label] == expected[label]
    else:
        assert fields[label]


@pytest.mark.parametrize("empty", [("联系电话",), ("姓名", "政治面貌"), ("工作单位及职务",)])
def test_empty_fields_read_as_empty_strings(empty: tuple[str, ...]) -> None:
    fields = read_file("推荐表.docx", form_docx("王五", "孟州市总工会", empty_fields=empty)).form_fields
    for label in empty:
        assert fields[label] == ""
    assert fields["性别"] == "男"


def test_deeds_docx_text_is_its_paragraphs() -> None:
    facts = read_file("事迹材料.docx", deeds_docx("赵六", 2100))
    assert facts.form_fields == {}
    assert len("".join(facts.text.split())) == 2100
    assert "赵六" in facts.text


def _sample_forms() -> list[tuple[str, str]]:
    import json

    cases = []
    for path in SAMPLE_JSONS:
        label = json.loads(path.read_text("utf-8"))
        for attachment in label["meta"]["attachments"]:
            if attachment["role"] == "form":
                cases.append((str(path), attachment["filename"]))
    return cases




@pytest.mark.parametrize(
    ("source", "filename"),
    _sample_forms() + [("generated:missing_photos", "沁阳市-沈军-推荐表.docx")],
    ids=lambda value: Path(value).stem,
)
def test_forms_in_sample_mails_give_candidate_and_unit(source: str, filename: str) -> None:
    import json

    if source.startswith("generated:"):
        candidate, unit = "沈军", "沁阳市总工会"
    else:
        submission = json.loads(Path(source).read_text("utf-8"))["expect"]["submissions"][0]
        candidate, unit = submission["candidate"], submission["unit"]
    raw = attachments_of(source.replace(".json", ".eml"))[filename]
    facts = read_file(filename, raw)
    assert facts.form_fields["姓名"] == candidate
    assert facts.form_unit == unit
    assert all(facts.form_fields[key] for key in ("性别", "出生年月", "政治面貌", "工作单位及职务", "联系电话"))


# --- images ----------------------------------------------------------------------------------


def test_jpeg_facts_come_from_header_and_exif() -> None:
    info = read_file("IMG_1.JPG", photo()).image
    assert info is not None
    assert (info.format, info.width, info.height) == ("JPEG", 3000, 2000)
    assert info.camera == "Canon EOS 80D"
    assert info.taken_at == "2021:04:10 09:30:00"


def test_camera_photo_gets_a_reduced_look_and_a_perceptual_hash() -> None:
    """GIVEN a camera JPEG WHEN read THEN one 1/8-scale decode gives its look (a photo, not a page)
    and its 64-bit perceptual hash (recycled photos)."""
    info = read_file("IMG_1.JPG", photo()).image
    assert info is not None and info.colours > 200 and info.white_share < 0.1
    assert len(info.phash) == 16 and int(info.phash, 16) > 0


def test_wechat_photo_has_no_camera_and_is_looked_at() -> None:
    info = read_file("微信图片.jpg", small_photo_jpeg()).image
    assert info is not None and info.camera == "" and info.taken_at == ""
    assert info.colours > 200 and info.white_share < 0.1


@pytest.mark.parametrize("keep", [0.999, 0.9, 0.5, 0.01])
def test_jpeg_cut_anywhere_is_not_proven_complete(keep: float) -> None:
    data = photo()
    assert read_image.jpeg_complete(data)
    assert not read_image.jpeg_complete(data[: int(len(data) * keep)])


def test_screenshot_look_is_white_and_flat() -> None:
    info = read_file("征信.png", screenshot_png()).image
    assert info is not None
    assert info.white_share > 0.5 and info.colours < 40


def test_heif_size_comes_from_its_boxes_without_a_decoder() -> None:
    info = read_file("IMG_0001.HEIC", heif_stub(4032, 3024)).image
    assert info is not None and (info.format, info.width, info.height) == ("HEIF", 4032, 3024)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("半截.jpg", lambda: photo()[: len(photo()) // 2]),
        ("半截.png", lambda: photo_png(size=(400, 300))[:20_000]),
        ("坏.jpg", lambda: photo()[:2000] + b"\x00" * 5000),
        ("坏.png", lambda: png_header(10, 10)),  # pixel data far shorter than 10x10 needs
    ],
)
def test_truncated_or_corrupt_image_is_unreadable(name: str, make) -> None:
    facts = read_file(name, make())
    assert facts.unreadable == read.BROKEN_IMAGE
    assert facts.kind in ("jpeg", "png")


@pytest.mark.parametrize(("width", "height"), [(15_000, 10_000), (30_000, 30_000)])
def test_decompression_bomb_is_refused(width: int, height: int) -> None:
    facts = read_file("bomb.png", png_header(width, height))
    assert facts.unreadable == read.IMAGE_TOO_LARGE


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_text_files_are_decoded(encoding: str) -> None:
    text = "姓名：张三\n性别：男\n申报单位：（公章）沁阳市总工会  日期：2021年4月26日\n事迹：爱岗敬业“最美”"
    facts = read_file("材料.txt", text.encode(encoding))
    assert facts.kind == "txt"
    assert facts.text.replace("\r\n", "\n") == text
    assert facts.form_fields["姓名"] == "张三"
    assert facts.form_unit == "沁阳市总工会"


# --- refusals and broken files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("空.docx", b"", read.EMPTY),
        ("坏.docx", b"PK\x03\x04" + b"\x00" * 200, read.BROKEN_FILE),
        ("坏2.docx", zip_bytes({"word/document.xml": b"<not xml", "[Content_Types].xml": b"<x/>"}), read.BROKEN_FILE),
        ("旧.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, BROKEN_OFFICE),
        ("表.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", read.BROKEN_FILE),
    ],
    ids=["empty", "zip-garbage", "docx-bad-xml", "ole2-garbage", "pdf-without-pages"],
)
def test_unreadable_files_get_a_chinese_reason(name: str, data: bytes, reason: str) -> None:
    facts = read_file(name, data)
    assert facts.unreadable == reason
    assert facts.form_fields == {} and facts.image is None


@pytest.mark.parametrize(
    "members",
    [
        {"word/document.xml": b" " * 10_000_000},  # ratio far above 200
        {"word/document.xml": b"<w/>", **{f"word/media/{i}.bin": b"" for i in range(2001)}},
    ],
    ids=["ratio", "member-count"],
)
def test_docx_archive_bomb_is_refused_before_opening(members: dict[str, bytes]) -> None:
    facts = read_file("推荐表.docx", zip_bytes(members))
    assert facts.kind == "docx"
    assert "压缩" in facts.unreadable


_VALID = [form(), screenshot_png(size=(200, 120)), photo_png(size=(120, 90)), "姓名：张三".encode("gbk")]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(_VALID),
    cut=st.integers(0, 100_000),
    flips=st.lists(st.tuples(st.integers(0, 100_000), st.integers(1, 255)), max_size=6),
)
def test_mangled_files_never_raise(base: bytes, cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(base[: max(cut, 1)] if cut < len(base) else base)
    for position, mask in flips:
        data[position % len(data)] ^= mask
    facts = read_file("x", bytes(data))
    assert facts.size == len(data)
    assert isinstance(facts.unreadable, str)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    assert read_file("x", data).sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("source", [str(p) for p in REALWORLD_DIRS] + ["generated"], ids=lambda s: Path(s).name)
def test_real_world_attachments_never_raise(source: str) -> None:
    if source == "generated":
        raws = [nomination_email("missing_photos")]
    else:
        raws = [path.read_bytes() for path in sorted(Path(source).glob("*.eml"))]
    count = 0
    for raw in raws:
        message = email.message_from_bytes(raw, policy=policy.compat32)
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                facts = read_file(str(part.get_filename() or "part"), payload)
                assert facts.size == len(payload)
                count += 1
    assert count > 0
