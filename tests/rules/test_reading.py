"""What was read in the materials, judged: credit screenshots (OCR text), form scans, recycled photos.

The OCR text here is what the real engine read in the generated pages (tests/ingest/test_ocr.py
reads them through it); these tests pin the judging of that text, without the engine.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from rules.config import CreditRules, Rules
from rules.credit import read_credit
from rules.evaluate import evaluate
from rules.facts import FormFacts, OtherPhoto, PhotoFacts, ScreenshotFacts
from tests.rules.test_evaluate import CAMPAIGN, COMPLETE, FIELDS, FORM, RULES, facts

CLEAR = "信用中国\nwww.creditchina.gov.cn\n搜索关键词：沈桂兰\n查询结果\n未查询到相关信息\n失信被执行人0条\n被执行人0条"
OTHER = CLEAR.replace("沈桂兰", "李四")
RECORDS = ("中国执行信息公开网\nzxgk.court.gov.cn\n被执行人姓名/名称：沈桂兰\n查询结果\n共找到1条\n被执行人沈桂兰\n"
           "案号（2020）豫0802执1234号\n执行法院焦作市解放区人民法院")
NO_NAME = "信用中国\n查询结果\n未查询到相关信息"
BAIDU = "百度\nwww.baidu.com\n沈桂兰失信被执行人\n百度一下\n抱歉，没有找到与“沈桂兰失信被执行人”相关的网页"


def shot(text: str, name: str = "征信.png", state: str = "read") -> ScreenshotFacts:
    return ScreenshotFacts(name, state, text)


@pytest.mark.parametrize(
    "text, site, names, clear, records",
    [
        pytest.param(CLEAR, "信用中国", ("沈桂兰",), True, 0, id="xinyong-clear"),
        pytest.param(RECORDS, "中国执行信息公开网", ("沈桂兰",), False, 2, id="zhixing-records"),
        pytest.param(BAIDU, "百度", ("沈桂兰",), True, 0, id="baidu-nothing-found"),
        pytest.param(NO_NAME, "信用中国", (), True, 0, id="no-name-shown"),
    ],
)
def test_credit_reading_finds_site_name_result_and_records(text: str, site: str, names: tuple[str, ...],
                                                            clear: bool, records: int) -> None:
    reading = read_credit(text)
    assert (reading.site, reading.names, reading.clear, len(reading.records)) == (site, names, clear, records)


@pytest.mark.parametrize(
    "screenshots, codes, status",
    [
        pytest.param((shot(CLEAR),), [], "complete", id="the-candidate-nothing-found"),
        pytest.param((shot(OTHER),), ["credit.name_mismatch"], "incomplete", id="another-name"),
        pytest.param((shot(NO_NAME),), ["credit.name_mismatch"], "incomplete", id="no-name-found"),
        pytest.param((shot(CLEAR), shot(NO_NAME, "b.png")), [], "complete", id="no-name-beside-the-candidates"),
        pytest.param((shot(CLEAR), shot(OTHER, "b.png")), ["credit.name_mismatch"], "incomplete",
                     id="one-of-two-shows-another-name"),
        pytest.param((shot(RECORDS),), ["credit.record_found"], "complete", id="records-listed"),
        pytest.param((shot("", state="empty"),), ["credit.unreadable"], "complete", id="no-text-read"),
        pytest.param((shot("", state="failed"),), [], "complete", id="engine-failed-no-claim"),
        pytest.param((shot("", state=""),), [], "complete", id="not-read-no-claim"),
    ],
)
def test_credit_verdict_from_the_text_read(screenshots: tuple[ScreenshotFacts, ...], codes: list[str],
                                           status: str) -> None:
    verdict = evaluate(facts(screenshots=screenshots), RULES, CAMPAIGN)
    assert (verdict.codes, verdict.status) == (codes, status)


def test_name_mismatch_quotes_what_was_read() -> None:
    problem = evaluate(facts(screenshots=(shot(OTHER),)), RULES, CAMPAIGN).problems[0]
    assert problem.detail == {"candidate": "沈桂兰", "files": [{"name": "征信.png", "site": "信用中国", "shown": "李四"}]}


def test_record_found_lists_the_rows_read() -> None:
    problem = evaluate(facts(screenshots=(shot(RECORDS),)), RULES, CAMPAIGN).problems[0]
    assert problem.detail["files"][0]["records"] == ["案号(2020)豫0802执1234号", "执行法院焦作市解放区人民法院"]


def test_reading_the_text_can_be_switched_off() -> None:
    rules = RULES.model_copy(update={"credit": CreditRules(read_text=False)})
    assert evaluate(facts(screenshots=(shot(OTHER),)), rules, CAMPAIGN).codes == []


SCAN = FormFacts("推荐表.jpg", fields=FIELDS, scan=True)


@pytest.mark.parametrize(
    "forms, codes",
    [
        pytest.param((SCAN,), ["form.scan_only"], id="scan-only"),
        pytest.param((replace(SCAN, fields={"姓名": "沈桂兰"}),), ["form.scan_only"], id="scan-only-fields-not-asked"),
        pytest.param((FORM, SCAN), [], id="electronic-and-stamped-scan"),
        pytest.param((SCAN, FORM), [], id="scan-after-electronic"),
        pytest.param((FormFacts("推荐表.docx", {}, unreadable="文件已损坏"), SCAN),
                     ["form.unreadable", "form.scan_only", "attachment.unreadable"], id="unreadable-and-scan"),
    ],
)
def test_form_scans(forms: tuple[FormFacts, ...], codes: list[str]) -> None:
    assert evaluate(facts(forms=forms), RULES, CAMPAIGN).codes == codes


def hashed(name: str, phash: str) -> PhotoFacts:
    return PhotoFacts(name, 2_500_000, "jpeg", 4000, 3000, phash)


@pytest.mark.parametrize(
    "changes, pairs",
    [
        pytest.param({"photos": (hashed("1.jpg", "f0f0f0f0f0f0f0f0"), hashed("2.jpg", "0f0f0f0f0f0f0f0f"))}, [],
                     id="different-photos"),
        pytest.param({"photos": (hashed("1.jpg", "f0f0f0f0f0f0f0f0"), hashed("2.jpg", "f0f0f0f0f0f0f0f3"))},
                     [("1.jpg", "2.jpg", "")], id="twice-in-this-nomination"),
        pytest.param({"photos": (hashed("1.jpg", "f0f0f0f0f0f0f0f0"), hashed("2.jpg", "0f0f0f0f0f0f0f0f")),
                      "other_photos": (OtherPhoto("JZ2021-004", "李四", "山阳区总工会", "a.jpg", "f0f0f0f0f0f0f0e1"),)},
                     [("1.jpg", "a.jpg", "JZ2021-004")], id="in-another-nomination"),
    ],
)
def test_recycled_photos(changes: dict[str, Any], pairs: list[tuple[str, str, str]]) -> None:
    verdict = evaluate(facts(**changes), RULES, CAMPAIGN)
    found = [p for p in verdict.problems if p.code == "photos.duplicate"]
    assert [(f["name"], f["twin"], f["ref"]) for p in found for f in p.detail["files"]] == pairs
    assert verdict.status == "complete"


def test_duplicate_distance_comes_from_the_config() -> None:
    photos = (hashed("1.jpg", "f0f0f0f0f0f0f0f0"), hashed("2.jpg", "f0f0f0f0f0f0f0f3"))
    strict = RULES.model_copy(update={"photos": RULES.photos.model_copy(update={"duplicate_max_distance": 1})})
    assert evaluate(facts(photos=photos), strict, CAMPAIGN).codes == []
    assert evaluate(replace(COMPLETE, photos=photos), Rules(), CAMPAIGN).codes == ["photos.duplicate"]
