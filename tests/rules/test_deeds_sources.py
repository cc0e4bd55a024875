"""Where the deeds text may be: the form's 主要事迹 cell counts only when long enough; pictures
pasted into a document are named in the photo problems, never counted as photos."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from notify.wording import render_problem
from rules.config import Campaign, Rules
from rules.evaluate import evaluate
from rules.facts import DeedsFacts, EmbeddedImages, FormFacts, NominationFacts, PhotoFacts

CST = timezone(timedelta(hours=8))
RULES = Rules()
FIELDS = {"姓名": "王喆", "性别": "男", "出生年月": "1980年1月", "政治面貌": "群众", "工作单位及职务": "某厂工人",
          "联系电话": "13900000000"}


def facts(**kwargs: object) -> NominationFacts:
    base: dict[str, object] = {"candidate": "王喆", "unit": "山阳区总工会", "received_at": datetime(2021, 4, 26, tzinfo=CST)}
    return NominationFacts(**{**base, **kwargs})  # type: ignore[arg-type]


def form(deeds_cell: str) -> FormFacts:
    return FormFacts("推荐表.docx", {**FIELDS, "主要事迹": deeds_cell})


@pytest.mark.parametrize(
    ("cell_chars", "other", "expected"),
    [
        (RULES.deeds.min_chars, (), []),  # a long 主要事迹 cell is the deeds text
        (200, (), ["deeds.missing"]),  # the short summary the form asks for is not
        (200, (DeedsFacts("事迹.docx", 900),), ["deeds.too_short"]),  # judged on the real deeds file
        (RULES.deeds.min_chars + 50, (DeedsFacts("事迹.docx", 900),), []),
    ],
)
def test_form_deeds_cell_counts_only_when_long_enough(cell_chars: int, other: tuple[DeedsFacts, ...],
                                                      expected: list[str]) -> None:
    verdict = evaluate(facts(forms=(form("事" * cell_chars),), deeds=other), RULES, Campaign())
    assert [c for c in verdict.codes if c.startswith("deeds.")] == expected


def test_the_rest_of_the_form_never_counts_as_deeds() -> None:
    long_form = FormFacts("推荐表.docx", {**FIELDS, "推荐单位意见": "同意" * 2000, "主要事迹": "简要"})
    assert "deeds.missing" in evaluate(facts(forms=(long_form,)), RULES, Campaign()).codes


@pytest.mark.parametrize("photos", [(), (PhotoFacts("1.jpg", 2_500_000, "jpeg"),)], ids=["none", "one"])
def test_pictures_pasted_into_a_document_are_named_and_not_counted(photos: tuple[PhotoFacts, ...]) -> None:
    verdict = evaluate(facts(photos=photos, embedded_images=(EmbeddedImages("事迹材料.docx", 3),)), RULES, Campaign())
    [problem] = [p for p in verdict.problems if p.code in ("photos.missing", "photos.too_few")]
    assert problem.detail["embedded"] == [{"name": "事迹材料.docx", "count": 3}]
    line = render_problem(problem, strict=True)
    assert "《事迹材料.docx》中插入的3张图片不能算作照片" in line.text
    assert "作为附件单独发送" in line.hint
