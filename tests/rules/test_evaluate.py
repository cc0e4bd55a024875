"""evaluate(): each requirement of the notice, the status it leads to, and the detail it reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from rules.config import Campaign, CreditRules, DeedsRules, EligibilityRules, PhotoRules, Rules
from rules.evaluate import CHECKS, evaluate
from rules.facts import DeedsFacts, FormFacts, NominationFacts, PhotoFacts, ScreenshotFacts, UnreadableFacts

CST = timezone(timedelta(hours=8))
RULES = Rules()
CAMPAIGN = Campaign()
FIELDS = {
    "姓名": "沈桂兰",
    "性别": "女",
    "出生年月": "1982.05",
    "政治面貌": "中共党员",
    "工作单位及职务": "焦作市某纺织公司 挡车工",
    "联系电话": "13896794488",
}
FORM = FormFacts("推荐表（沈桂兰）.docx", fields=FIELDS, unit="城乡一体化示范区工会")


def photo(name: str, size: int = 2_500_000, fmt: str = "jpeg") -> PhotoFacts:
    return PhotoFacts(filename=name, size=size, format=fmt, width=4000, height=3000)


COMPLETE = NominationFacts(
    candidate="沈桂兰",
    unit="城乡一体化示范区工会",
    received_at=datetime(2021, 4, 28, 9, 36, 5, tzinfo=CST),
    forms=(FORM,),
    deeds=(DeedsFacts("事迹材料-沈桂兰.docx", 2315),),
    photos=(photo("IMG_0001.jpg"), photo("IMG_0002.jpg", 3_100_000)),
    screenshots=(ScreenshotFacts("沈桂兰征信查询.png"),),
)


def facts(**changes: Any) -> NominationFacts:
    return replace(COMPLETE, **changes)


def with_rules(**sections: Any) -> Rules:
    return RULES.model_copy(update=sections)


def test_complete_nomination_has_no_problems() -> None:
    verdict = evaluate(COMPLETE, RULES, CAMPAIGN)
    assert verdict.status == "complete"
    assert verdict.problems == ()


@pytest.mark.parametrize(
    ("changes", "codes", "status"),
    [
        pytest.param({"forms": ()}, ["form.missing"], "incomplete", id="no-form"),
        pytest.param({"forms": (FormFacts("推荐表.doc", {}, unreadable="文件已损坏"),)},
                     ["form.unreadable", "attachment.unreadable"], "incomplete", id="only-unreadable-form"),
        pytest.param({"forms": (FormFacts("推荐表.doc", {}, unreadable="文件已损坏"), FORM)},
                     ["attachment.unreadable"], "complete", id="unreadable-form-beside-a-readable-one"),
        pytest.param({"forms": (replace(FORM, fields={**FIELDS, "联系电话": "  "}),)},
                     ["form.field_empty:联系电话"], "incomplete", id="blank-field"),
        pytest.param({"forms": (replace(FORM, fields={k: v for k, v in FIELDS.items() if k != "性别"}),)},
                     ["form.field_empty:性别"], "incomplete", id="absent-field"),
        pytest.param({"forms": (replace(FORM, fields={**FIELDS, "政治面貌": ""}), FORM)},
                     [], "complete", id="latest-form-counts-not-the-older-one"),
        pytest.param({"forms": (FORM, replace(FORM, fields={**FIELDS, "政治面貌": ""}))},
                     ["form.field_empty:政治面貌"], "incomplete", id="latest-form-blank-field"),
        pytest.param({"screenshots": ()}, ["credit.missing"], "incomplete", id="no-credit-screenshot"),
        pytest.param({"deeds": ()}, ["deeds.missing"], "incomplete", id="no-deeds"),
        pytest.param({"deeds": (DeedsFacts("事迹.docx", 1799),)},
                     ["deeds.too_short"], "incomplete", id="short-deeds"),
        pytest.param({"deeds": (DeedsFacts("事迹.docx", 1800),)}, [], "complete", id="deeds-exactly-minimum"),
        pytest.param({"deeds": (DeedsFacts("邮件正文", 300), DeedsFacts("事迹.docx", 2100))},
                     [], "complete", id="best-deeds-counts"),
        pytest.param({"photos": ()}, ["photos.missing"], "incomplete", id="no-photos"),
        pytest.param({"photos": (photo("a.jpg"),)}, ["photos.too_few"], "incomplete", id="one-photo"),
        pytest.param({"photos": tuple(photo(f"{i}.jpg") for i in range(4))},
                     ["photos.too_many"], "complete", id="four-photos-is-only-a-warning"),
        pytest.param({"photos": (photo("a.jpg"), photo("b.jpg", fmt="png"))},
                     ["photos.not_jpeg"], "incomplete", id="png-photo"),
        pytest.param({"photos": (photo("a.jpg"), photo("b.jpg", 1_999_999))},
                     ["photos.too_small"], "incomplete", id="photo-one-byte-short"),
        pytest.param({"photos": (photo("a.jpg"), photo("b.jpg", 2_000_000))},
                     [], "complete", id="photo-exactly-minimum"),
        pytest.param({"photos": (photo("a.heic", 900_000, "heif"),)},
                     ["photos.too_few", "photos.not_jpeg", "photos.too_small"], "incomplete", id="one-small-heic"),
        pytest.param({"received_at": datetime(2021, 5, 1, 0, 0, 0, tzinfo=CST)},
                     ["deadline.late"], "late", id="one-second-after-deadline"),
        pytest.param({"received_at": datetime(2021, 4, 30, 15, 59, 59, tzinfo=timezone.utc)},
                     [], "complete", id="deadline-to-the-second-in-utc"),
        pytest.param({"received_at": datetime(2021, 4, 30, 16, 0, 0, tzinfo=timezone.utc)},
                     ["deadline.late"], "late", id="utc-time-after-deadline"),
        pytest.param({"received_at": datetime(2021, 4, 30, 23, 59, 59)},
                     [], "complete", id="naive-time-read-in-campaign-zone"),
        pytest.param({"received_at": datetime(2021, 5, 3, 8, 0, tzinfo=CST), "photos": ()},
                     ["deadline.late", "photos.missing"], "late", id="late-wins-over-incomplete"),
        pytest.param({"forms": (replace(FORM, fields={**FIELDS, "工作单位及职务": "某区教育局 副局长"}),)},
                     ["eligibility.leader"], "complete", id="leader-is-a-warning"),
        pytest.param({"unreadable": (UnreadableFacts("材料.rar", "压缩包已加密"),)},
                     ["attachment.unreadable"], "complete", id="unreadable-attachment-warning"),
        pytest.param({"cloud_links": ("https://pan.baidu.com/s/1abc",)},
                     ["attachment.cloud_link"], "complete", id="cloud-link-warning"),
    ],
)
def test_requirement_gives_code_and_status(changes: dict[str, Any], codes: list[str], status: str) -> None:
    verdict = evaluate(facts(**changes), RULES, CAMPAIGN)
    assert verdict.codes == codes
    assert verdict.status == status


@pytest.mark.parametrize(
    ("rules", "changes", "codes"),
    [
        pytest.param(with_rules(credit=CreditRules(required=False)), {"screenshots": ()}, [], id="credit-not-required"),
        pytest.param(with_rules(photos=PhotoRules(min_count=3, max_count=3)), {},
                     ["photos.too_few"], id="three-photos-required"),
        pytest.param(with_rules(photos=PhotoRules(formats=("jpeg", "png"))),
                     {"photos": (photo("a.png", fmt="png"), photo("b.jpg"))}, [], id="png-allowed"),
        pytest.param(with_rules(deeds=DeedsRules(min_chars=2500)), {}, ["deeds.too_short"], id="higher-deeds-minimum"),
        pytest.param(with_rules(eligibility=EligibilityRules(leader_keywords=("挡车工",))), {},
                     ["eligibility.leader"], id="custom-leader-keyword"),
        pytest.param(with_rules(eligibility=EligibilityRules(previous_winners=("沈桂兰",))), {},
                     ["eligibility.previous_winner"], id="winner-by-name"),
        pytest.param(with_rules(eligibility=EligibilityRules(previous_winners=("沈 桂兰@城乡一体化示范区工会",))), {},
                     ["eligibility.previous_winner"], id="winner-by-name-and-unit"),
        pytest.param(with_rules(eligibility=EligibilityRules(previous_winners=("沈桂兰@解放区总工会",))), {},
                     [], id="namesake-in-another-unit-is-not-a-winner"),
        pytest.param(with_rules(eligibility=EligibilityRules(previous_winners=("沈桂",))), {},
                     [], id="partial-name-no-match"),
    ],
)
def test_rules_come_from_the_config(rules: Rules, changes: dict[str, Any], codes: list[str]) -> None:
    assert evaluate(facts(**changes), rules, CAMPAIGN).codes == codes


def test_deadline_comes_from_the_campaign() -> None:
    early = Campaign(deadline=datetime(2021, 4, 20, 18, 0, tzinfo=CST))
    verdict = evaluate(COMPLETE, RULES, early)
    assert verdict.status == "late"
    assert verdict.problems[0].detail == {
        "received_at": "2021-04-28T09:36:05+08:00",
        "deadline": "2021-04-20T18:00:00+08:00",
    }


def test_problem_details_carry_what_the_reply_needs() -> None:
    bad = facts(
        forms=(replace(FORM, fields={**FIELDS, "出生年月": ""}),),
        deeds=(DeedsFacts("邮件正文", 612),),
        photos=(
            photo("微信图片_2.jpg", 477_342),
            photo("微信图片_1.jpg", 476_352),
            photo("截图.png", 2_600_000, "png"),
        ),
    )
    details = {p.code: p.detail for p in evaluate(bad, RULES, CAMPAIGN).problems}
    assert details["form.field_empty:出生年月"] == {"field": "出生年月", "name": "推荐表（沈桂兰）.docx"}
    assert details["deeds.too_short"] == {"name": "邮件正文", "chars": 612, "min_chars": 1800}
    assert details["photos.not_jpeg"] == {"files": [{"name": "截图.png", "format": "png"}], "formats": ["jpeg"]}
    assert details["photos.too_small"] == {
        "files": [{"name": "微信图片_1.jpg", "size": 476_352}, {"name": "微信图片_2.jpg", "size": 477_342}],
        "min_bytes": 2_000_000,
    }


def test_unreadable_form_lists_every_file_and_reason() -> None:
    """An unreadable 推荐表 is form.unreadable, and each file is attachment.unreadable beside it."""
    forms = (
        FormFacts("推荐表.wps", {}, unreadable="无法识别的文件格式"),
        FormFacts("推荐表.doc", {}, unreadable="文件已损坏"),
    )
    problem, *beside = evaluate(facts(forms=forms), RULES, CAMPAIGN).problems
    assert problem.detail == {"files": [{"name": "推荐表.doc", "reason": "文件已损坏"},
                                        {"name": "推荐表.wps", "reason": "无法识别的文件格式"}]}
    assert [(p.code, p.detail["name"]) for p in beside] == [("attachment.unreadable", "推荐表.doc"),
                                                            ("attachment.unreadable", "推荐表.wps")]


def test_leader_detail_names_the_post_and_keyword() -> None:
    form = replace(FORM, fields={**FIELDS, "工作单位及职务": "焦作市某医院 副院长"})
    (problem,) = evaluate(facts(forms=(form,)), RULES, CAMPAIGN).problems
    assert problem.detail == {"field": "工作单位及职务", "position": "焦作市某医院 副院长", "keyword": "院长"}


def test_every_failing_requirement_is_reported_in_check_order() -> None:
    everything_wrong = NominationFacts(
        candidate="沈桂兰", unit="城乡一体化示范区工会", received_at=datetime(2021, 5, 2, tzinfo=CST),
        unreadable=(UnreadableFacts("b.zip", "压缩包已损坏"), UnreadableFacts("a.rar", "压缩包已加密")),
        cloud_links=("https://pan.baidu.com/s/2", "https://pan.baidu.com/s/1", "https://pan.baidu.com/s/1"),
    )
    verdict = evaluate(everything_wrong, RULES, CAMPAIGN)
    assert verdict.codes == [
        "deadline.late", "form.missing", "credit.missing", "deeds.missing", "photos.missing",
        "attachment.unreadable", "attachment.unreadable", "attachment.cloud_link",
    ]
    assert [p.detail.get("name") for p in verdict.problems[5:7]] == ["a.rar", "b.zip"]
    assert verdict.problems[-1].detail == {"links": ["https://pan.baidu.com/s/1", "https://pan.baidu.com/s/2"],
                                           "min_bytes": RULES.photos.min_bytes}
    assert evaluate(everything_wrong, RULES, CAMPAIGN) == verdict


def test_input_order_of_photos_does_not_change_the_verdict() -> None:
    photos = (photo("c.jpg", 100), photo("a.png", 200, "png"), photo("b.jpg", 300))
    forward = evaluate(facts(photos=photos), RULES, CAMPAIGN)
    backward = evaluate(facts(photos=photos[::-1]), RULES, CAMPAIGN)
    assert forward == backward


def test_checks_table_lists_each_requirement_once() -> None:
    names = [check.__name__ for check in CHECKS]
    assert names == ["check_deadline", "check_candidate", "check_form", "check_credit", "check_deeds",
                     "check_photos", "check_present", "check_eligibility", "check_quota", "check_attachments"]
