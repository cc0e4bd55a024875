"""Reading pictures through the real OCR engine: credit pages (phone and PC, PNG and JPEG q60, a
photographed screen, a WeChat copy) and the stamped 推荐表 (a phone photo, an image-only PDF).

Each picture is made and read once per module (the engine takes about 1 s a picture on 2 cores);
the tests share the facts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ingest.classify import classify
from ingest.ocr import OcrText, recent_reader
from ingest.read import read_file
from ingest.types import FileFacts, Role
from rules.config import Campaign, Rules
from rules.credit import read_credit
from rules.evaluate import check_credit, check_form
from rules.facts import FormFacts, NominationFacts, ScreenshotFacts
from shenbao.samples.images import photo_jpeg
from tests.formats.screens import (FORM_FIELDS, blurred, credit_page, encoded, form_pdf, form_photo,
                                   photographed, wechat)
from datetime import datetime, timezone

PICTURES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "pc-png": ("征信查询截图.png", lambda: encoded(credit_page("信用中国", "赵刚"))),
    "phone-png-records": ("Screenshot_20210426.png",
                          lambda: encoded(credit_page("中国执行信息公开网", "赵刚", size=(1080, 2340), records=True))),
    "phone-jpeg-q60-other-name": ("mmexport1619401.jpg",
                                  lambda: encoded(credit_page("百度", "李四", size=(1080, 2340)), "JPEG", 60)),
    "photographed-screen": ("IMG_20210426_0930.jpg", lambda: encoded(photographed(credit_page("信用中国", "赵刚")),
                                                                      "JPEG", 80)),
    "wechat-copy": ("微信图片_20210426.jpg", lambda: wechat(credit_page("中国执行信息公开网", "赵刚", size=(1080, 2340)))),
    "form-photo": ("IMG_5021.JPG", form_photo),
    "form-pdf": ("扫描件.pdf", form_pdf),
    "blurred-screen": ("征信截图.jpg", lambda: encoded(blurred(credit_page("信用中国", "赵刚")), "JPEG", 60)),
}
CALLS: list[str] = []


def counting_reader(sha256: str, data: bytes) -> OcrText:
    CALLS.append(sha256)
    return recent_reader(sha256, data)


@pytest.fixture(scope="module")
def read() -> dict[str, FileFacts]:
    return {key: read_file(name, make(), ocr=counting_reader) for key, (name, make) in PICTURES.items()}


def verdict_codes(facts: FileFacts, candidate: str = "赵刚") -> list[str]:
    nomination = NominationFacts(candidate, "解放区总工会", datetime(2021, 4, 26, tzinfo=timezone.utc),
                                 screenshots=(ScreenshotFacts(facts.filename, facts.ocr_state, facts.ocr_text),))
    return [p.code for p in check_credit(nomination, Rules(), Campaign())]


@pytest.mark.parametrize("key, site, names, codes", [
    ("pc-png", "信用中国", ("赵刚",), []),
    ("phone-png-records", "中国执行信息公开网", ("赵刚",), ["credit.record_found"]),
    ("phone-jpeg-q60-other-name", "百度", ("李四",), ["credit.name_mismatch"]),
    ("photographed-screen", "信用中国", ("赵刚",), []),
    ("wechat-copy", "中国执行信息公开网", ("赵刚",), []),
])
def test_credit_screenshot_read_and_judged(read: dict[str, FileFacts], key: str, site: str,
                                           names: tuple[str, ...], codes: list[str]) -> None:
    facts = read[key]
    reading = read_credit(facts.ocr_text)
    assert classify(facts) is Role.SCREENSHOT
    assert (facts.ocr_state, reading.site, reading.names) == ("read", site, names)
    assert verdict_codes(facts) == codes


def test_result_phrases_and_record_rows_are_read(read: dict[str, FileFacts]) -> None:
    assert "未查询到相关信息" in read_credit(read["pc-png"].ocr_text).results
    records = read_credit(read["phone-png-records"].ocr_text).records
    assert any("豫0802执1234号" in row for row in records) and any("解放区人民法院" in row for row in records)
    assert "没有找到" in read_credit(read["phone-jpeg-q60-other-name"].ocr_text).results[0]


def test_a_screenshot_without_text_is_credit_unreadable(read: dict[str, FileFacts]) -> None:
    facts = read["blurred-screen"]
    assert facts.ocr_state == "empty" and classify(facts) is Role.SCREENSHOT
    assert verdict_codes(facts) == ["credit.unreadable"]


@pytest.mark.parametrize("key", ["form-photo", "form-pdf"])
def test_a_photo_or_scan_of_the_stamped_form_is_the_form(read: dict[str, FileFacts], key: str) -> None:
    """GIVEN a phone photo (camera EXIF) or an image-only PDF of the filled, stamped 推荐表 THEN it is the
    form, never a photo, its fields read by OCR, and alone it is form.scan_only."""
    facts = read[key]
    assert classify(facts) is Role.FORM and facts.scan and not facts.unreadable
    assert facts.form_fields["姓名"] == "赵刚"
    assert {k: facts.form_fields.get(k) for k in FORM_FIELDS} == FORM_FIELDS
    nomination = NominationFacts("赵刚", "解放区总工会", datetime(2021, 4, 26, tzinfo=timezone.utc),
                                 forms=(FormFacts(facts.filename, facts.form_fields, scan=facts.scan),))
    assert [p.code for p in check_form(nomination, Rules(), Campaign())] == ["form.scan_only"]


def test_camera_photos_are_never_read(read: dict[str, FileFacts]) -> None:
    before = len(CALLS)
    facts = read_file("IMG_0001.jpg", photo_jpeg(seed=4, camera=("HUAWEI", "ELE-AL00")), ocr=counting_reader)
    assert (facts.ocr_state, len(CALLS), classify(facts)) == ("", before, Role.PHOTO)


def test_every_picture_was_recognised_once(read: dict[str, FileFacts]) -> None:
    assert len(CALLS) == len(set(CALLS))
