"""Every problem code has Chinese wording that renders with exactly the detail its check produces."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from jinja2 import UndefinedError

from notify.wording import ProblemLine, format_size, render_problem, wording
from rules.codes import CODES, base_code
from rules.config import Campaign, EligibilityRules, Rules
from rules.evaluate import evaluate
from rules.facts import (DeedsFacts, FormFacts, NominationFacts, OtherPhoto, PhotoFacts, Problem, ScreenshotFacts,
                         UnreadableFacts)

CST = timezone(timedelta(hours=8))
RULES = Rules(eligibility=EligibilityRules(previous_winners=("王建国@解放区总工会",)))


def _nomination(**kwargs: object) -> NominationFacts:
    base: dict[str, object] = {"candidate": "王建国", "unit": "解放区总工会",
                               "received_at": datetime(2021, 5, 6, 8, 30, tzinfo=CST)}
    return NominationFacts(**{**base, **kwargs})  # type: ignore[arg-type]


# Facts that between them make evaluate() produce every code it can produce.
SCENARIOS = (
    _nomination(),
    _nomination(forms=(FormFacts("推荐表（王建国）.doc", {}, unreadable="文件已损坏，无法打开"),),
                deeds=(DeedsFacts("邮件正文", 640),), photos=(PhotoFacts("IMG_2041.HEIC", 1_204_551, "heif"),),
                unreadable=(UnreadableFacts("材料.rar", "压缩包设置了密码"),),
                cloud_links=("https://pan.baidu.com/s/1AbCdEf",)),
    _nomination(forms=(FormFacts("推荐表.docx", {"姓名": "王建国", "工作单位及职务": "解放区某局 局长"}),),
                deeds=(DeedsFacts("事迹材料.docx", 1502),),
                photos=tuple(PhotoFacts(f"照片{i}.jpg", 2_400_000, "jpeg") for i in range(1, 5))),
    _nomination(forms=(FormFacts("推荐表扫描件.jpg", {"姓名": "王建国"}, scan=True),),
                screenshots=(ScreenshotFacts("信用中国.png", "read", "信用中国\n搜索关键词：李四\n未查询到相关信息"),
                             ScreenshotFacts("执行.png", "read", "中国执行信息公开网\n被执行人姓名/名称：王建国\n"
                                             "案号（2020）豫0802执1234号"),
                             ScreenshotFacts("模糊.jpg", "empty")),
                photos=(PhotoFacts("1.jpg", 2_400_000, "jpeg", phash="00ff00ff00ff00ff"),
                        PhotoFacts("2.jpg", 2_400_000, "jpeg", phash="00ff00ff00ff00fe")),
                other_photos=(OtherPhoto("JZ2021-003", "李四", "山阳区总工会", "照片.jpg", "00ff00ff00ff00ff"),)),
)
PRODUCED = [problem for facts in SCENARIOS for problem in evaluate(facts, RULES, Campaign()).problems]
# Codes the wiring produces (it sees every nomination of a unit), with the detail it passes.
FROM_WIRING = [
    Problem("quota.exceeded", {"unit": "解放区总工会", "count": 3, "quota": 2}),
    Problem("candidate.unmatched", {"reason": "邮件中没有推荐表，主题中也没有候选人姓名"}),
    Problem("candidate.unmatched"),
]
ALL_PROBLEMS = PRODUCED + FROM_WIRING
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_has_text_and_hint() -> None:
    entries = wording()["problems"]
    for code in CODES:
        assert CJK.search(entries[code]["text"]), code
        assert CJK.search(entries[code]["hint"]), code


def test_wording_has_no_stale_codes() -> None:
    assert set(wording()["problems"]) <= set(CODES)


def test_the_examples_cover_every_code() -> None:
    assert {base_code(p.code) for p in ALL_PROBLEMS} == set(CODES)


@pytest.mark.parametrize("problem", ALL_PROBLEMS, ids=lambda p: p.code)
def test_wording_renders_with_the_detail_given(problem: Problem) -> None:
    line = render_problem(problem, "Asia/Shanghai", strict=True)
    for text in (line.text, line.hint):
        assert CJK.search(text)
        assert not re.search(r"\{\{|\}\}|\{%|%\}|None|Undefined", text), text
    assert line.blocking == CODES[base_code(problem.code)]


@pytest.mark.parametrize("problem", PRODUCED, ids=lambda p: p.code)
def test_wording_shows_the_specifics(problem: Problem) -> None:
    text = render_problem(problem, strict=True).text
    names = [problem.detail["name"]] if "name" in problem.detail else []
    names += [f["name"] for f in problem.detail.get("files", [])]
    for name in names:
        assert name in text
    shown = ("chars", "field", "position") + (("count",) if problem.code != "photos.missing" else ())
    for key in shown:
        if key in problem.detail:
            assert str(problem.detail[key]) in text


def test_specific_wording_reads_naturally() -> None:
    by_code: dict[str, ProblemLine] = {}
    for problem in PRODUCED:
        by_code.setdefault(problem.code, render_problem(problem, strict=True))
    assert by_code["photos.too_small"].text.startswith("照片《IMG_2041.HEIC》为1.2MB")
    assert "2MB以上" in by_code["photos.too_small"].text
    assert "《IMG_2041.HEIC》（实际为HEIC格式）不是JPG格式" in by_code["photos.not_jpeg"].text
    assert by_code["deeds.too_short"].text == "邮件正文中的事迹材料约640字，少于要求的1800字。"
    assert by_code["deadline.late"].text == "材料于2021年5月6日08:30收到，已超过截止时间2021年4月30日23:59。"
    assert by_code["form.field_empty:性别"].text == "推荐表《推荐表.docx》中“性别”一栏未填写。"
    assert "HEIC" in by_code["photos.not_jpeg"].hint


def test_missing_detail_fails_strictly_but_not_in_a_reply() -> None:
    bare = Problem("photos.too_small")
    with pytest.raises(UndefinedError):
        render_problem(bare, strict=True)
    assert CJK.search(render_problem(bare).text)


def test_unknown_code_gets_the_fallback_wording() -> None:
    line = render_problem(Problem("rules.future_check"))
    assert line.text == wording()["fallback"]["text"]
    assert "rules.future_check" not in line.text
    assert line.blocking


@pytest.mark.parametrize(
    ("size", "shown"),
    [(1_999_999, "1.9MB"), (2_000_000, "2MB"), (2_561_234, "2.5MB"), (476_352, "0.4MB"),
     (100_000, "0.1MB"), (53_439, "53KB"), (0, "0KB")],
)
def test_sizes_never_round_up_to_a_threshold(size: int, shown: str) -> None:
    assert format_size(size) == shown


@pytest.mark.parametrize(
    "problem",
    [
        Problem("photos.too_few", {"count": "两", "min_count": 2, "max_count": 3}),
        Problem("photos.too_small", {"files": "照片.jpg", "min_bytes": "2M"}),
        Problem("deadline.late", {"received_at": "昨天", "deadline": None}),
    ],
    ids=lambda p: p.code,
)
def test_malformed_detail_still_gives_chinese_wording(problem: Problem) -> None:
    line = render_problem(problem)
    assert CJK.search(line.text)
    assert "{{" not in line.text and "Traceback" not in line.text
