"""ingest.classify: roles from content first, names second; checked on generated and sample mails."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.classify import classify
from ingest.read import read_file
from ingest.scan import needs_ocr
from ingest.types import FileFacts, ImageInfo, Role
from shenbao.samples.build import (
    deeds_docx,
    deeds_text,
    form_docx,
    heif_stub,
    photo_as,
    photo_jpeg,
    photo_png,
    screenshot_png,
    small_photo_jpeg,
)
from tests.ingest.mailfiles import attachments_of

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
_SAMPLE_ROLES = {"form": Role.FORM, "deeds": Role.DEEDS, "credit": Role.SCREENSHOT, "photo": Role.PHOTO}


BLANK = ("姓名", "性别", "出生年月", "政治面貌", "工作单位及职务", "联系电话", "民族", "身份证号码")


def zip_of(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


def role_of(name: str, data: bytes) -> Role:
    return classify(read_file(name, data))


@pytest.mark.parametrize(
    ("name", "make", "role"),
    [
        ("推荐表.docx", lambda: form_docx("张三", "解放区总工会"), Role.FORM),
        ("张三.docx", lambda: form_docx("张三", "解放区总工会"), Role.FORM),
        ("空白表.docx", lambda: form_docx("张三", "解放区总工会", empty_fields=BLANK), Role.FORM),
        ("材料.docx", lambda: deeds_docx("张三", 2100), Role.DEEDS),
        ("张三.docx", lambda: deeds_docx("张三", 300), Role.DEEDS),
        ("说明.docx", lambda: deeds_docx("张三", 299), Role.OTHER),
        ("事迹材料.docx", lambda: deeds_docx("张三", 250), Role.DEEDS),  # short, but named: rules say too short
        ("事迹.txt", lambda: deeds_text("张三", 1900).encode("gbk"), Role.DEEDS),
        ("表.txt", lambda: "2021年推荐表\n姓名：张三\n性别：男\n联系电话：13800000000".encode("gbk"), Role.FORM),
        ("便条.txt", lambda: "请查收附件，谢谢。".encode(), Role.OTHER),
        ("IMG_0001.JPG", lambda: photo_jpeg(seed=3), Role.PHOTO),
        ("IMG_2034.JPG", lambda: small_photo_jpeg(seed=4), Role.PHOTO),  # no EXIF: content says photo
        ("微信图片_20210428093311.jpg", lambda: small_photo_jpeg(seed=5), Role.PHOTO),
        ("微信图片_20210427.png", lambda: screenshot_png("信用中国", "张三"), Role.SCREENSHOT),
        ("1.png", lambda: screenshot_png("中国执行信息公开网", "张三", size=(750, 1334)), Role.SCREENSHOT),
        ("照片.png", lambda: photo_png(size=(800, 600)), Role.PHOTO),
        ("a.webp", lambda: photo_as("WEBP", size=(640, 480)), Role.PHOTO),
        ("a.bmp", lambda: photo_as("BMP", size=(640, 480)), Role.PHOTO),
        ("IMG_0002.HEIC", lambda: heif_stub(4032, 3024), Role.PHOTO),
        # a phone photo of the screen, named as the credit check: the name wins over EXIF
        ("征信截图.jpg", lambda: photo_jpeg(seed=6, camera=("Apple", "iPhone 11")), Role.SCREENSHOT),
        ("材料.zip", lambda: zip_of("a.docx", b"x"), Role.OTHER),
        ("照片.jpg", lambda: photo_jpeg(seed=8)[:50_000], Role.OTHER),  # truncated: unreadable
    ],
    ids=lambda value: value.value if isinstance(value, Role) else (value if isinstance(value, str) else ""),
)
def test_generated_files_get_their_role(name: str, make: Callable[[], bytes], role: Role) -> None:
    assert role_of(name, make()) is role


def _image_facts(name: str, image_format: str, colours: int, white: float, camera: str = "") -> FileFacts:
    info = ImageInfo(image_format, 1000, 800, camera, "", colours, white)
    return FileFacts(name, 200_000, "0" * 64, image_format.lower(), image=info)


@pytest.mark.parametrize(
    ("name", "image_format", "colours", "white", "role"),
    [
        ("a.png", "PNG", 3000, 0.0, Role.PHOTO),  # photo-like look wins over format
        ("a.jpg", "JPEG", 20, 0.9, Role.SCREENSHOT),  # page-like look wins over format
        ("IMG_1234.PNG", "PNG", 30, 0.7, Role.SCREENSHOT),  # iPhone screenshots are IMG_*.PNG too
        ("查询结果.png", "PNG", 150, 0.3, Role.SCREENSHOT),  # in-between look: the name decides
        ("百度.jpg", "JPEG", 150, 0.3, Role.SCREENSHOT),
        ("生活照.png", "PNG", 150, 0.3, Role.PHOTO),
        ("DSC_0001.png", "PNG", 150, 0.3, Role.PHOTO),
        ("a.png", "PNG", 150, 0.3, Role.SCREENSHOT),  # in-between, no hint: format default
        ("a.jpg", "JPEG", 150, 0.3, Role.PHOTO),
        ("a.jpg", "JPEG", -1, -1.0, Role.PHOTO),  # not measured
        ("a.png", "PNG", 20, 0.9, Role.SCREENSHOT),
    ],
)
def test_image_look_then_name_then_format(name: str, image_format: str, colours: int, white: float, role: Role) -> None:
    assert classify(_image_facts(name, image_format, colours, white)) is role


def test_camera_exif_makes_a_photo_whatever_the_look() -> None:
    assert classify(_image_facts("a.png", "PNG", 20, 0.9, camera="Canon EOS 80D")) is Role.PHOTO


@pytest.mark.parametrize(("name", "role"), [("材料.docx", Role.OTHER), ("事迹材料.docx", Role.OTHER),
                                             ("推荐表.docx", Role.FORM), ("张三推荐表.doc", Role.FORM)])
def test_unreadable_files_are_other_unless_named_as_the_form(name: str, role: Role) -> None:
    facts = FileFacts(name, 10, "0" * 64, "docx", form_fields={"姓名": "张三", "性别": "男", "民族": "汉"},
                      unreadable="文件已损坏，无法打开")
    assert classify(facts) is role


# --- every attachment of the sample mails (when present) and of the generated scenarios ---------


def _cases() -> list[tuple[str, str, Role]]:
    cases = []
    for label_path in sorted(SAMPLES.glob("sample_*.json")):
        label = json.loads(label_path.read_text("utf-8"))
        for attachment in label["meta"]["attachments"]:
            role = _SAMPLE_ROLES[attachment["role"]]
            cases.append((str(label_path.with_suffix(".eml")), attachment["filename"], role))
    generated = {
        "沁阳市-沈军-推荐表.docx": Role.FORM,
        "征信查询截图.png": Role.SCREENSHOT,
        "微信图片_20210428093511.jpg": Role.PHOTO,
        "微信图片_20210428093517.jpg": Role.PHOTO,
        "沈军事迹材料.docx": Role.DEEDS,
    }
    cases += [("generated:small_photos", name, role) for name, role in generated.items()]
    return cases




def _case_id(value: object) -> str:
    return value.value if isinstance(value, Role) else Path(str(value)).stem


@pytest.mark.parametrize(("source", "filename", "role"), _cases(), ids=_case_id)
@pytest.mark.parametrize("renamed", [False, True], ids=["own-name", "neutral-name"])
def test_sample_attachments_get_their_labelled_role(source: str, filename: str, role: Role, renamed: bool) -> None:
    data = attachments_of(source)[filename]
    name = "file" + Path(filename).suffix if renamed else filename
    assert role_of(name, data) is role


NAMED = (("letter", ("推荐函",)),)  # a further material, as the wiring hands it from rules.materials


@pytest.mark.parametrize(("name", "make", "role"), [
    ("单位推荐函.docx", lambda: deeds_docx("王喆", 600), "letter"),  # its name beats a deeds-like length
    ("材料/单位推荐函.txt", lambda: deeds_text("王喆", 80).encode(), "letter"),
    ("推荐函/事迹材料.docx", lambda: deeds_docx("王喆", 600), Role.DEEDS),  # a folder's name is not the file's
    ("推荐表推荐函.docx", lambda: form_docx("王喆", "山阳区总工会"), Role.FORM),  # the form's labels still win
    ("推荐函.jpg", lambda: photo_jpeg(seed=3), Role.PHOTO),  # only documents are named into a material
])
def test_a_further_material_is_recognised_by_its_own_file_name(name: str, make: Callable[[], bytes],
                                                              role: Role | str) -> None:
    assert classify(read_file(name, make()), named=NAMED) == role


PAGE_TEXT = "信用中国\nwww.creditchina.gov.cn\n搜索关键词：赵刚\n查询结果\n未查询到相关信息"
FORM_TEXT = "推荐表\n姓名\n赵刚\n性别\n男\n出生年月\n1988年10月\n政治面貌\n中共党员\n联系电话\n13800000000"


@pytest.mark.parametrize(("name", "camera", "ocr_state", "text", "scan", "role"), [
    # a 3 MB JPEG without EXIF that looks like a photo: its words make it a screenshot of a web page
    ("mmexport1619401.jpg", "", "read", PAGE_TEXT, False, Role.SCREENSHOT),
    # a phone photo of the paper 推荐表: its labels make it the form, never a photo
    ("IMG_5021.JPG", "HUAWEI ELE-AL00", "read", FORM_TEXT, True, Role.FORM),
    # a camera photo read as paper but with one page word only (a sign in the picture): still a photo
    ("IMG_5022.JPG", "HUAWEI ELE-AL00", "read", "查询", False, Role.PHOTO),
    ("IMG_5023.JPG", "HUAWEI ELE-AL00", "", "", False, Role.PHOTO),  # a photo of a person: never read
    ("mmexport1619402.jpg", "", "empty", "", False, Role.PHOTO),  # nothing read: the look decides
])
def test_the_text_ocr_read_decides_the_role(name: str, camera: str, ocr_state: str, text: str, scan: bool,
                                            role: Role) -> None:
    info = ImageInfo("JPEG", 3024, 4032, camera, "", 250, 0.1)
    facts = FileFacts(name, 3_100_000, "0" * 64, "jpeg", image=info, ocr_state=ocr_state, ocr_text=text, scan=scan)
    assert classify(facts) is role


@pytest.mark.parametrize(("name", "size", "width", "camera", "colours", "white", "wanted"), [
    ("征信查询截图.jpg", 400_000, 1080, "", 250, 0.1, True),  # the name says so
    ("a.png", 400_000, 1366, "", 20, 0.9, True),  # a page's look
    ("IMG_1.JPG", 3_000_000, 4000, "HUAWEI", 250, 0.35, True),  # a camera picture mostly white: paper
    ("IMG_2.JPG", 3_000_000, 4000, "HUAWEI", 250, 0.1, False),  # a camera photo of people: never read
    ("征信.png", 900, 120, "", 20, 0.9, False),  # a decoration (issue 16), whatever its name
])
def test_only_pictures_that_may_show_text_are_read(name: str, size: int, width: int, camera: str, colours: int,
                                                   white: float, wanted: bool) -> None:
    info = ImageInfo("JPEG", width, width * 3 // 4, camera, "", colours, white)
    assert needs_ocr(FileFacts(name, size, "0" * 64, "jpeg", image=info)) is wanted
