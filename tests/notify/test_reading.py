"""What OCR read in a credit screenshot, in the reply's list of files and in `show` (notify.reading), and
how a recycled photo is worded to the office and to the sender."""

from __future__ import annotations

import pytest

from notify.reading import credit_note
from notify.wording import render_problem
from rules.facts import Problem

CLEAR = "信用中国\nwww.creditchina.gov.cn\n搜索关键词：赵刚\n查询结果\n未查询到相关信息"
RECORDS = "中国执行信息公开网\n被执行人姓名/名称：赵刚\n案号（2020）豫0802执1234号\n执行法院：焦作市解放区人民法院"


@pytest.mark.parametrize("state, text, office, note", [
    ("read", CLEAR, False, "文字识别：信用中国，查询姓名“赵刚”，未查询到相关信息"),
    ("read", RECORDS, False, "文字识别：中国执行信息公开网，查询姓名“赵刚”，列有记录条目，由活动办公室人工核对"),
    ("read", "百度一下\n你就知道", False, "文字识别：百度，未识别到查询姓名，未识别到查询结果"),
    ("empty", "", False, "文字识别：未识别出文字"),
    ("failed", "文字识别组件不可用", False, ""),  # no claim to the sender about a check not made
    ("", "", False, ""),
    ("failed", "文字识别组件不可用", True, "文字识别：未能识别"),
])
def test_the_note_says_site_name_and_result(state: str, text: str, office: bool, note: str) -> None:
    assert credit_note(state, text, office=office) == note


def test_the_office_sees_the_record_rows_the_sender_does_not() -> None:
    """GIVEN a page listing a case THEN the office's note quotes the case number and court; the sender's
    names no record (a namesake's record is no accusation)."""
    office, sender = credit_note("read", RECORDS, office=True), credit_note("read", RECORDS)
    assert "(2020)豫0802执1234号" in office and "解放区人民法院" in office  # as read, NFKC
    assert "执1234号" not in sender and "法院" not in sender


DUPLICATE = Problem("photos.duplicate", {"files": [
    {"name": "照片1.jpg", "twin": "工作照.jpg", "ref": "JZ2021-001", "candidate": "王建国", "unit": "解放区总工会"},
    {"name": "照片2.jpg", "twin": "照片3.jpg", "ref": "", "candidate": "", "unit": ""}]})


def test_a_recycled_photo_names_the_other_nomination_to_the_office_only() -> None:
    """GIVEN a photo also in another unit's nomination and one twice in this one THEN the office reads
    whose; the unit's letter says only "another nomination" (another unit's candidate is not its business)."""
    office = render_problem(DUPLICATE, strict=True).text
    letter = render_problem(DUPLICATE, strict=True, to_sender=True).text
    assert office == ("照片《照片1.jpg》与解放区总工会推荐的王建国（JZ2021-001）的照片《工作照.jpg》是同一张照片；"
                      "照片《照片2.jpg》与本推荐材料中的照片《照片3.jpg》是同一张照片。")
    assert letter == ("照片《照片1.jpg》与另一份推荐材料中的照片是同一张照片；"
                      "照片《照片2.jpg》与本推荐材料中的照片《照片3.jpg》是同一张照片。")
