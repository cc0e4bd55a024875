"""The office's wording table (templates/office.toml): every code and status has words."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from notify.office import decision_text, label, labels, problem_name, verdict_words, zone_name
from rules.codes import CODES, Status


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_problem_code_has_a_short_name(code: str) -> None:
    assert code in labels()["problem"], f"templates/office.toml [problem] has no words for {code}"
    assert "." not in problem_name(code)


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_every_status_has_one_label(status: str) -> None:
    assert label("status", status) != status


def test_a_field_and_an_unknown_code_are_worded_never_shown_bare() -> None:
    assert problem_name("form.field_empty:联系电话") == "推荐表有未填项（联系电话）"
    assert problem_name("photos.blurry") == "需人工核对"
    assert verdict_words("incomplete", ["photos.missing", "deeds.too_short"]) == "待补充（缺工作生活照、事迹材料字数不足）"
    assert verdict_words("complete", []) == "材料齐全"


@pytest.mark.parametrize(("zone", "shown", "when"), [("Asia/Shanghai", "北京时间", "2021年5月7日10:00"),
                                                     ("Europe/Berlin", "Europe/Berlin", "2021年5月7日04:00")])
def test_a_decision_reads_who_when_in_the_campaign_zone_and_why(zone: str, shown: str, when: str) -> None:
    at = datetime(2021, 5, 7, 2, 0, tzinfo=timezone.utc)
    assert decision_text("accept", "情况属实", "陈晓杰", at, zone) == f"受理（陈晓杰，{when} {shown}）：情况属实"
    assert zone_name(zone) == shown
