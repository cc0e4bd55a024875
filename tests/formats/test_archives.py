"""Archives as units send them: member names decoded right, folders and nesting flattened, TNEF."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.archives import zip_member_name
from ingest.files import read_attachments
from ingest.limits import Limits
from ingest.parse import parse_mail
from ingest.unpack import Unpacked, member_path, unpack_all
from shenbao.samples.build import small_photo_jpeg
from tests.formats.builders import (gbk_zip, rar4, seven_zip, unicode_extra_zip, utf8_flag_zip, winmail_dat,
                                    zip_raw)

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "realworld"
TNEF_MAILS = sorted(CORPUS.glob("mimekit/rich-text.eml"))
MEMBERS = {"推荐材料/照片1.jpg": b"\xff\xd8\xff" + b"1" * 500, "推荐材料/事迹材料.txt": "事迹".encode("gbk") * 50}


def names(items: list[Unpacked]) -> list[str]:
    return [item.name for item in items]


@pytest.mark.parametrize(
    "make",
    [gbk_zip, utf8_flag_zip, seven_zip, rar4,
     lambda m: zip_raw([(n.encode("utf-8"), d) for n, d in m.items()])],  # macOS: UTF-8 without the flag
    ids=["zip-gbk-no-flag", "zip-utf8-flag", "7z", "rar", "zip-utf8-no-flag"],
)
def test_member_names_come_out_in_chinese_with_their_folders(make, tmp_path: Path) -> None:
    items = unpack_all([("材料.zip", make(MEMBERS))], Limits(), tmp_path)
    assert names(items) == ["材料.zip", "材料.zip/推荐材料/照片1.jpg", "材料.zip/推荐材料/事迹材料.txt"]
    assert [item.data for item in items[1:]] == list(MEMBERS.values())
    assert all(not item.refused for item in items)


def test_gbk_name_bytes_are_exactly_what_windows_writes() -> None:
    import io
    import zipfile

    data = gbk_zip({"征信截图.png": b"x"})
    raw_name = "征信截图.png".encode("gbk")
    assert raw_name in data and "征信截图.png".encode() not in data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        [info] = archive.infolist()
    assert info.flag_bits & 0x800 == 0
    assert info.filename != "征信截图.png"  # what zipfile alone makes of it (cp437)
    assert zip_member_name(info) == "征信截图.png"


def test_info_zip_unicode_path_extra_field_wins(tmp_path: Path) -> None:
    items = unpack_all([("a.zip", unicode_extra_zip("征信截图.png", b"png"))], Limits(), tmp_path)
    assert names(items) == ["a.zip", "a.zip/征信截图.png"]


def test_nested_archives_and_folders_are_flattened(tmp_path: Path) -> None:
    inner = rar4({"照片/2.jpg": b"\xff\xd8\xff" + b"2" * 300})
    middle = seven_zip({"第二批/照片包.rar": inner, "说明.txt": "说明".encode()})
    outer = gbk_zip({"王喆材料/压缩包.7z": middle, "王喆材料/推荐表.txt": "姓名：王喆".encode("gbk")})
    items = unpack_all([("全部材料.zip", outer)], Limits(), tmp_path)
    assert names(items) == [
        "全部材料.zip",
        "全部材料.zip/王喆材料/压缩包.7z",
        "全部材料.zip/王喆材料/压缩包.7z/第二批/照片包.rar",
        "全部材料.zip/王喆材料/压缩包.7z/第二批/照片包.rar/照片/2.jpg",
        "全部材料.zip/王喆材料/压缩包.7z/说明.txt",
        "全部材料.zip/王喆材料/推荐表.txt",
    ]
    assert [i.archive for i in items] == ["zip", "7z", "rar", "", "", ""]
    assert list(tmp_path.iterdir()) == []  # scratch files (the .rar for unar) are gone


def test_macos_junk_is_skipped_and_same_bytes_are_kept_once(tmp_path: Path) -> None:
    photo = b"\xff\xd8\xff" + b"7" * 400
    archive = utf8_flag_zip({"__MACOSX/._照片.jpg": b"junk", "照片.jpg": photo, ".DS_Store": b"x", "副本/照片.jpg": photo})
    items = unpack_all([("照片.zip", archive), ("照片.jpg", photo), ("照片.zip", archive)], Limits(), tmp_path)
    assert names(items) == ["照片.zip", "照片.zip/照片.jpg"]


def test_different_files_with_one_name_get_numbered(tmp_path: Path) -> None:
    items = unpack_all([("照片.jpg", b"\xff\xd8\xff1"), ("照片.jpg", b"\xff\xd8\xff2"), ("照片.jpg", b"\xff\xd8\xff3")],
                       Limits(), tmp_path)
    assert names(items) == ["照片.jpg", "照片(2).jpg", "照片(3).jpg"]


@pytest.mark.parametrize(
    ("raw", "safe"),
    [("../../etc/passwd", "etc/passwd"), ("/etc/cron.d/x", "etc/cron.d/x"), ("C:\\Windows\\system.ini", "Windows/system.ini"),
     ("a/./b/../c.txt", "a/b/c.txt"), ("照片\x00\x07\x1b.jpg", "照片___.jpg"), ("..", "附件"), ("\u202egpj.exe", "_gpj.exe")],
)
def test_member_paths_cannot_leave_their_folder(raw: str, safe: str) -> None:
    assert member_path(raw) == safe


def test_winmail_dat_attachments_are_unpacked(tmp_path: Path) -> None:
    photo = small_photo_jpeg(seed=3)
    read = read_attachments([("winmail.dat", winmail_dat({"IMG_0001.JPG": photo, "事迹.txt": "事迹".encode("gbk")}))],
                            Limits(), tmp_path)
    assert [(r.facts.filename, r.facts.kind) for r in read] == [
        ("winmail.dat", "tnef"), ("winmail.dat/IMG_0001.JPG", "jpeg"), ("winmail.dat/事迹.txt", "txt")]


@pytest.mark.parametrize("path", TNEF_MAILS, ids=lambda p: p.name)
def test_real_outlook_winmail_dat_gives_its_picture(path: Path, tmp_path: Path) -> None:
    parsed = parse_mail(path.read_bytes())
    read = read_attachments([(a.filename, a.data) for a in parsed.attachments], Limits(), tmp_path)
    assert read[0].facts.kind == "tnef"
    assert any(r.facts.kind == "jpeg" and r.facts.filename.startswith("winmail.dat/") for r in read)


def test_an_unreadable_member_is_the_form_by_its_own_name_not_its_archives(tmp_path: Path) -> None:
    from ingest.classify import classify
    from ingest.types import Role

    broken = b"PK\x03\x04" + b"\x00" * 100
    archive = gbk_zip({"推荐表.docx": broken, "照片1.jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 50})
    read = read_attachments([("推荐表和照片.zip", archive)], Limits(), tmp_path)
    roles = {r.facts.filename: classify(r.facts) for r in read if r.facts.unreadable}
    assert roles == {"推荐表和照片.zip/推荐表.docx": Role.FORM, "推荐表和照片.zip/照片1.jpg": Role.OTHER}
