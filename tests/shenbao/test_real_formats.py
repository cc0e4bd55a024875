"""What units really send, end to end: .doc/.wps/.rtf/.pdf, archives, phone photos, pasted photos,
cloud links. Each mail is a real generated message; LibreOffice runs once per mail that needs it."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import pytest

from shenbao.samples.build import (CST, build_email, deeds_docx, deeds_text, form_docx, heif_stub, photo_as, photo_jpeg,
                             photo_png, screenshot_png)
from tests.formats.builders import docx_with_pictures, gbk_rtf, gbk_zip, seven_zip
from tests.formats.office import NAME, UNIT, office_files as make_office_files
from tests.shenbao.conftest import Service

ON_TIME = datetime(2021, 4, 27, 9, 30, tzinfo=CST)


@pytest.fixture(scope="module")
def office_files() -> dict[str, bytes]:
    return make_office_files()


@cache
def photo(seed: int) -> bytes:
    return photo_jpeg(seed=seed)


def credit() -> tuple[str, bytes]:
    return ("信用中国截图.png", screenshot_png("信用中国", NAME))


def photos() -> list[tuple[str, bytes]]:
    return [(f"IMG_2021042{n}.jpg", photo(n)) for n in (1, 2)]


def send(service: Service, name: str, attachments: list[tuple[str, bytes]], *, sender: str = "qyszgh@163.com",
         text: str = "陈老师：您好！附件是推荐材料，请查收。", html: str | None = None) -> None:
    raw = build_email(from_addr=sender, from_name=UNIT, subject=f"推荐材料-{UNIT}-{NAME}", text=text, html=html,
                      attachments=attachments, date=ON_TIME)
    service.deliver(name, raw, ON_TIME)


def only_submission(service: Service) -> dict:
    service.run_once()
    [sub] = service.export()["submissions"]
    return sub


def reply_text(service: Service) -> str:
    [reply] = service.replies()
    return reply.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("form_name", "deeds_name"),
    [("推荐表.doc", "事迹材料.wps"), ("推荐表.pdf", "事迹材料.pdf")],
    ids=["doc-and-wps", "pdf"],
)
def test_old_word_wps_and_pdf_documents_make_a_complete_nomination(
        service: Service, office_files: dict[str, bytes], form_name: str, deeds_name: str) -> None:
    suffix = "pdf" if form_name.endswith(".pdf") else "doc"
    send(service, "a.eml", [(form_name, office_files[f"form.{suffix}"]), (deeds_name, office_files[f"deeds.{suffix}"]),
                            credit(), *photos()])
    sub = only_submission(service)
    assert (sub["candidate"], sub["status"], sub["problems"]) == (NAME, "complete", [])
    assert sub["items"]["deeds"]["chars"] >= 1800


def test_gbk_rtf_deeds_are_read_as_text(service: Service) -> None:
    text = deeds_text(NAME, 2100)
    send(service, "a.eml", [("推荐表.docx", form_docx(NAME, UNIT)), ("事迹材料.rtf", gbk_rtf(text.split("\n"))),
                            credit(), *photos()])
    sub = only_submission(service)
    assert (sub["status"], sub["problems"]) == ("complete", [])


@pytest.mark.parametrize("pack", [gbk_zip, seven_zip], ids=["zip-gbk-names", "7z"])
def test_materials_in_an_archive_with_folders_count(service: Service, pack) -> None:
    archive = pack({f"{NAME}材料/推荐表.docx": form_docx(NAME, UNIT), f"{NAME}材料/事迹材料.docx": deeds_docx(NAME),
                    f"{NAME}材料/照片/IMG_1.jpg": photo(1), f"{NAME}材料/照片/IMG_2.jpg": photo(2),
                    f"{NAME}材料/征信截图.png": credit()[1]})
    send(service, "a.eml", [(f"{UNIT}推荐材料.zip", archive)])
    sub = only_submission(service)
    assert (sub["candidate"], sub["status"], sub["problems"]) == (NAME, "complete", [])
    assert "照片/IMG_1.jpg" in reply_text(service)


@pytest.mark.parametrize(
    ("label", "image"),
    [("IMG_0001.HEIC", lambda: heif_stub(4032, 3024)), ("IMG_0002.png", lambda: photo_png(seed=5, size=(2400, 1800))),
     ("照片.bmp", lambda: photo_as("BMP", seed=6, size=(1200, 900))),
     ("照片.webp", lambda: photo_as("WEBP", seed=7, size=(1600, 1200)))],
    ids=["heic", "png", "bmp", "webp"],
)
def test_phone_and_other_image_formats_are_photos_that_are_not_jpeg(service: Service, label: str, image) -> None:
    send(service, "a.eml", [("推荐表.docx", form_docx(NAME, UNIT)), ("事迹.docx", deeds_docx(NAME)), credit(),
                            (label, image()), ("IMG_1.jpg", photo(1))])
    sub = only_submission(service)
    assert "photos.not_jpeg" in sub["problems"] and sub["status"] == "incomplete"
    assert "JPG" in reply_text(service) and label in reply_text(service)


def test_photos_pasted_into_the_deeds_document_are_not_photos_and_the_reply_says_so(service: Service) -> None:
    pasted = docx_with_pictures(f"{NAME}同志先进事迹", deeds_text(NAME, 2100), [photo(3), photo(4)])
    send(service, "a.eml", [("推荐表.docx", form_docx(NAME, UNIT)), ("事迹材料.docx", pasted), credit()])
    sub = only_submission(service)
    assert "photos.missing" in sub["problems"] and "deeds.missing" not in sub["problems"]
    text = reply_text(service)
    assert "《事迹材料.docx》中插入的2张图片不能算作照片" in text and "作为附件单独发送" in text


LINK_163 = "https://mail.163.com/large-attachment-download/index.html?p=X1MOOkiJ&file=3Dfe1&title=照片.zip"
LINK_QQ = "https://wx.mail.qq.com/ftn/download?func=3&k=0e1a2b3c4d&key=0e1a2b3c4d&code=9f8e"


def test_large_attachment_links_are_listed_and_the_sender_told_to_attach(service: Service) -> None:
    html = (f'<div>从网易邮箱发来的超大附件</div><a href="{LINK_163.replace("&", "&amp;")}">照片.zip (120M, 2021年5月12日到期)</a>'
            '<a href="https://mail.163.com/">网易邮箱</a>')
    send(service, "a.eml", [("推荐表.docx", form_docx(NAME, UNIT)), ("事迹.docx", deeds_docx(NAME)), credit()],
         text=f"陈老师：照片太大，用超大附件发送。\n照片.zip 下载：{LINK_QQ}\n", html=html)
    sub = only_submission(service)
    assert "attachment.cloud_link" in sub["problems"]
    text = reply_text(service)
    assert LINK_163 in text and LINK_QQ in text and "https://mail.163.com/" + "\n" not in text
    assert "直接作为邮件附件发送" in text and "不能小于2MB" in text
