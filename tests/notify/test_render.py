"""render_reply() wording for each kind of reply, and build_reply_message() as a real mail."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP, default
from typing import Any

import pytest

from notify.render import MaterialLine, RenderedReply, ReplyContext, build_reply_message, render_reply, reply_subject
from rules.facts import Problem
from shenbao.errors import PermanentSendError

CST = timezone(timedelta(hours=8))
SMALL = Problem("photos.too_small", {"files": [{"name": "微信图片_20210428093311.jpg", "size": 476_352},
                                               {"name": "微信图片_20210428093317.jpg", "size": 1_999_999}],
                                     "min_bytes": 2_000_000})
NO_CREDIT = Problem("credit.missing")
TOO_MANY = Problem("photos.too_many", {"count": 4, "min_count": 2, "max_count": 3,
                                       "min_bytes": 2_000_000, "formats": ["jpeg"]})
LATE = Problem("deadline.late", {"received_at": "2021-05-02T09:15:00+08:00", "deadline": "2021-04-30T23:59:59+08:00"})
MATERIALS = (
    MaterialLine("推荐表（沈桂兰）.docx", "form", 37_933),
    MaterialLine("事迹材料-沈桂兰.docx", "deeds", 40_766, "约2315字"),
    MaterialLine("微信图片_20210428093311.jpg", "photo", 476_352),
    MaterialLine("微信图片_20210428093317.jpg", "photo", 1_999_999),
)
BASE = ReplyContext(
    kind="incomplete",
    ref="JZ2021-007",
    campaign_name="2021年焦作“最美职工”",
    deadline=datetime(2021, 4, 30, 23, 59, 59, tzinfo=CST),
    timezone="Asia/Shanghai",
    unit="城乡一体化示范区工会",
    candidate="沈桂兰",
    greeting="城乡一体化示范区工会",
    received_at=datetime(2021, 4, 28, 1, 36, 5, tzinfo=timezone.utc),  # 09:36 in Beijing
    problems=(SMALL, NO_CREDIT),
    materials=MATERIALS,
    original_subject="2021年焦作“最美职工”推荐材料-示范区工会-沈桂兰",
    signature="焦作市总工会宣教网络部",
    contact="陈晓杰，电话 3999920",
)


def ctx(**changes: Any) -> ReplyContext:
    return replace(BASE, **changes)


def both(rendered: RenderedReply) -> list[str]:
    return [rendered.text, rendered.html]


@pytest.mark.parametrize(
    ("changes", "expected", "absent"),
    [
        pytest.param({}, ["城乡一体化示范区工会：", "已收到贵单位于4月28日09:36发来的2021年焦作“最美职工”推荐材料",
                          "候选人：沈桂兰", "登记编号 ", "材料尚不完整，请补充或更正以下2项",
                          "《微信图片_20210428093311.jpg》为0.4MB", "《微信图片_20210428093317.jpg》为1.9MB",
                          "需要2MB以上的原图", "勾选“原图”", "未收到候选人个人征信查询情况截图",
                          "中国执行信息公开网", "保留主题中的编号[JZ2021-007]", "2021年4月30日23:59", "前补齐",
                          "陈晓杰，电话 3999920", "焦作市总工会宣教网络部"],
                     ["材料齐全", "提示"], id="incomplete"),
        pytest.param({"kind": "accepted", "problems": (TOO_MANY,)},
                     ["经核对，推荐材料齐全，已登记备案", "提示", "共收到4张工作生活照，多于通知要求的3张",
                      "[JZ2021-007]"],
                     ["尚不完整", "需更正，见上文", "请于"], id="accepted-with-a-warning"),
        pytest.param({"kind": "late", "problems": (LATE, NO_CREDIT),
                      "received_at": datetime(2021, 5, 2, 9, 15, tzinfo=CST)},
                     ["5月2日09:15", "截止时间为2021年4月30日23:59", "在截止时间之后到达", "是否受理由活动办公室决定",
                      "另经核对，材料还有以下问题", "未收到候选人个人征信查询情况截图"],
                     ["已超过截止时间", "尚不完整"], id="late"),
        pytest.param({"kind": "unmatched", "ref": "", "unit": "", "candidate": "", "materials": (), "greeting": "",
                      "problems": (Problem("candidate.unmatched"),)},
                     ["您好！已收到您于4月28日09:36发来的邮件", "未能确定这封邮件属于哪一位候选人",
                      "未能识别本邮件所推荐的候选人", "注明推荐单位和候选人姓名", "未收到可识别的附件材料"],
                     ["登记编号", "[]", "贵单位", "示范区工会："], id="unmatched-without-reference"),
    ],
)
def test_each_kind_says_what_it_should(changes: dict[str, Any], expected: list[str], absent: list[str]) -> None:
    rendered = render_reply(ctx(**changes))
    for body in both(rendered):
        for phrase in expected:
            assert phrase in body, phrase
        for phrase in absent:
            assert phrase not in body, phrase
        assert not re.search(r"\{\{|\{%|None|Undefined", body)


def test_checklist_marks_received_files_and_flags_the_faulty_ones() -> None:
    lines = render_reply(BASE).text.splitlines()
    assert "  ✓ 推荐表：推荐表（沈桂兰）.docx（37KB）" in lines
    assert "  ✓ 事迹材料：事迹材料-沈桂兰.docx（40KB），约2315字" in lines
    assert "  ✗ 工作生活照：微信图片_20210428093311.jpg（0.4MB） —— 需更正，见上文" in lines
    html = render_reply(BASE).html
    assert html.count("✗") == 2 and html.count("✓") == 2


def test_late_reply_does_not_list_lateness_as_something_to_fix() -> None:
    text = render_reply(ctx(kind="late", problems=(LATE,))).text
    assert "另经核对" not in text
    assert "办法：" not in text


def test_html_escapes_file_names_but_text_keeps_them() -> None:
    hostile = MaterialLine("<script>alert(1)</script>.jpg", "photo", 2_400_000)
    rendered = render_reply(ctx(kind="accepted", problems=(), materials=(hostile,)))
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.jpg" in rendered.html
    assert "<script>alert(1)</script>.jpg" in rendered.text


@pytest.mark.parametrize(
    ("original", "ref", "subject"),
    [
        ("推荐材料-沈桂兰", "JZ2021-007", "回复：推荐材料-沈桂兰 [JZ2021-007]"),
        ("Re: 回复：推荐材料-沈桂兰 [JZ2021-007]", "JZ2021-007", "回复：推荐材料-沈桂兰 [JZ2021-007]"),
        ("答复： [JZ2021-007] 补充照片", "JZ2021-007", "回复：补充照片 [JZ2021-007]"),
        ("", "JZ2021-012", "回复：2021年焦作“最美职工”推荐材料 [JZ2021-012]"),
        ("照片\r\n补发", "JZ2021-003", "回复：照片 补发 [JZ2021-003]"),
        ("Fwd: 推荐表", "", "回复：Fwd: 推荐表"),
    ],
)
def test_subject_carries_the_reference_tag_once(original: str, ref: str, subject: str) -> None:
    assert reply_subject(original, ref, "2021年焦作“最美职工”") == subject


def _message(rendered: RenderedReply, **changes: Any) -> EmailMessage:
    options: dict[str, Any] = {
        "to_addr": "sfqgh@163.com", "to_name": "城乡一体化示范区工会", "from_addr": "jzghxjb@163.com",
        "from_name": "焦作市总工会宣教网络部", "in_reply_to": "<4f418078.8faf.Coremail.sfqgh@163.com>",
        "references": ["<first@163.com>"], "message_id_domain": "163.com",
        "now": datetime(2021, 4, 28, 9, 40, 12, tzinfo=CST),
    }
    return build_reply_message(rendered, **{**options, **changes})


def test_reply_message_parses_back_with_every_header() -> None:
    rendered = render_reply(BASE)
    raw = _message(rendered).as_bytes(policy=SMTP)
    assert raw.isascii()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    back = email.message_from_bytes(raw, policy=default)
    assert back["Subject"] == "回复：2021年焦作“最美职工”推荐材料-示范区工会-沈桂兰 [JZ2021-007]"
    assert back["From"].addresses[0].display_name == "焦作市总工会宣教网络部"
    assert back["To"].addresses[0].addr_spec == "sfqgh@163.com"
    assert back["Date"].datetime == datetime(2021, 4, 28, 9, 40, 12, tzinfo=CST)
    assert re.fullmatch(r"<shenbao\.[0-9a-f]{32}@163\.com>", back["Message-ID"])
    assert back["In-Reply-To"] == "<4f418078.8faf.Coremail.sfqgh@163.com>"
    assert back["References"] == "<first@163.com> <4f418078.8faf.Coremail.sfqgh@163.com>"
    assert back["Auto-Submitted"] == "auto-replied"
    assert back["X-Auto-Response-Suppress"] == "All"
    assert back["Precedence"] is None
    assert back.get_content_type() == "multipart/alternative"
    parts = list(back.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert parts[0].get_content().replace("\r\n", "\n") == rendered.text
    assert "《微信图片_20210428093311.jpg》为0.4MB" in parts[1].get_content()


def test_each_reply_gets_a_new_message_id() -> None:
    rendered = render_reply(BASE)
    assert _message(rendered)["Message-ID"] != _message(rendered)["Message-ID"]


def test_references_keep_the_thread_without_repeats_and_stay_bounded() -> None:
    rendered = RenderedReply("回复：x [JZ2021-001]", "正文", "<p>正文</p>")
    chain = [f"<m{i}@163.com>" for i in range(40)]
    message = _message(rendered, references=chain + ["<m3@163.com>"], in_reply_to="m39@163.com")
    ids = str(message["References"]).split()
    assert ids[0] == "<m0@163.com>" and ids[-1] == "<m39@163.com>"
    assert len(ids) == 20 and len(set(ids)) == 20


def test_a_first_mail_without_message_id_gets_no_threading_headers() -> None:
    message = _message(RenderedReply("回复：x", "正文", "<p>正文</p>"), in_reply_to="", references=[])
    assert message["In-Reply-To"] is None and message["References"] is None


@pytest.mark.parametrize("bad", ["not an address", "a@b@c", "x@163.com\r\nBcc: victim@example.com"])
def test_an_unusable_recipient_is_a_permanent_send_error(bad: str) -> None:
    with pytest.raises(PermanentSendError, match="recipient"):
        _message(RenderedReply("回复：x", "正文", "<p>正文</p>"), to_addr=bad)
