"""The one reply to a mail that carried several candidates: subject tags and a part per nomination."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from notify.render import MaterialLine, ReplyContext, render_reply
from notify.render_multi import multi_subject, render_multi
from rules.facts import Problem

CST = timezone(timedelta(hours=8))
LETTER = ReplyContext(kind="incomplete", ref="", campaign_name="2021年焦作“最美职工”",
                      deadline=datetime(2021, 4, 30, 23, 59, 59, tzinfo=CST), timezone="Asia/Shanghai",
                      unit="市教育工会", candidate="", greeting="教育工会", received_at=datetime(2021, 4, 26, 10, tzinfo=CST),
                      original_subject="推荐材料", signature="焦作市总工会宣教网络部", contact="陈晓杰，电话 3999920")


@pytest.mark.parametrize(("original", "expected"), [
    ("推荐材料", "回复：推荐材料 [JZ2021-001] [JZ2021-002]"),
    ("回复：推荐材料 [JZ2021-001] [JZ2021-002]", "回复：推荐材料 [JZ2021-001] [JZ2021-002]"),
])
def test_the_subject_carries_every_tag_once(original: str, expected: str) -> None:
    assert multi_subject(original, ["JZ2021-001", "JZ2021-002"], "2021年焦作“最美职工”") == expected


def test_each_nomination_gets_its_part_and_unassigned_files_are_listed() -> None:
    parts = [replace(LETTER, kind="accepted", ref="JZ2021-001", candidate="张晓东",
                     materials=(MaterialLine("推荐表-张晓东.docx", "form", 37_000),)),
             replace(LETTER, kind="incomplete", ref="JZ2021-002", candidate="刘红霞", problems=(Problem("credit.missing"),)),
             replace(LETTER, kind="closed", ref="JZ2021-003", candidate="赵志强", problems=(Problem("photos.missing"),))]
    rendered = render_multi(LETTER, parts, [MaterialLine("IMG_9.jpg", "photo", 2_700_000)])
    for text in (rendered.text, rendered.html):
        assert "3位候选人" in text and "候选人：张晓东，登记编号 JZ2021-001" in text
        assert "未收到候选人个人征信查询情况截图" in text and "IMG_9.jpg" in text
        assert "已由活动办公室审核处理" in text and "未收到工作生活照" not in text  # nothing asked of a closed one
    hostile = render_multi(LETTER, [replace(parts[0], candidate="<b>张晓东</b>")], []).html
    assert "&lt;b&gt;张晓东&lt;/b&gt;" in hostile and "<b>张晓东</b>" not in hostile  # names from mail are escaped


@pytest.mark.parametrize(("kind", "occasion", "expected"), [
    ("closed", "reply", "该推荐人选已由活动办公室审核处理"),
    ("incomplete", "recheck", "现按新要求重新核对了贵单位报送的推荐材料"),
])
def test_decided_and_recheck_letters_say_so(kind: str, occasion: str, expected: str) -> None:
    ctx = replace(LETTER, kind=kind, occasion=occasion, ref="JZ2021-007", candidate="王喆")  # type: ignore[arg-type]
    assert all(expected in text for text in (render_reply(ctx).text, render_reply(ctx).html))
