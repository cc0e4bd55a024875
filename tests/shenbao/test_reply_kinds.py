"""Replies a sender gets for what is not a nomination's files: deeds pasted into the mail body are
listed among the received materials; a plain question gets a short answer, not "which candidate"."""

from __future__ import annotations

from datetime import datetime

import pytest

from shenbao.samples.build import CST, build_email, nomination_email
from tests.shenbao.conftest import Service

WHEN = datetime(2021, 4, 26, 10, 2, tzinfo=CST)


def _only_reply_text(service: Service) -> str:
    [reply] = service.replies()
    body = reply.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def test_the_acceptance_reply_lists_the_deeds_pasted_in_the_body_among_the_received_materials(service: Service) -> None:
    service.deliver("1.eml", nomination_email("deeds_in_body", unit="孟州市总工会", candidate="刘红霞"), WHEN)
    service.run_once()
    text = _only_reply_text(service)
    assert "推荐材料齐全" in text
    received = text[text.index("目前已收到的材料："):]
    assert "✓ 事迹材料：邮件正文，粘贴的文字约" in received.split("\n\n")[0]


@pytest.mark.parametrize(("subject", "body"), [
    ("咨询", "您好，请问截止时间是哪一天？"),
    ("关于最美职工推荐的问题", "推荐名额能否增加一名"),
    ("请问截止时间", "谢谢"),
])
def test_a_plain_question_gets_a_short_answer_with_the_notice_and_the_deadline(service: Service, subject: str,
                                                                               body: str) -> None:
    raw = build_email(from_addr="someone@163.com", from_name="李老师", subject=subject, text=body, attachments=[],
                      date=WHEN)
    service.deliver("1.eml", raw, WHEN)
    service.run_once()
    text = _only_reply_text(service)
    assert text.startswith("您好！4月26日10:02收到您的来信")  # never greeted by a display name (Security)
    assert "请以活动通知为准。材料截止时间为2021年4月30日23:59（北京时间）" in text
    assert "未能确定" not in text and "候选人姓名。" in text  # how to send, not "which candidate is this?"
    [email] = service.export()["emails"]
    assert (email["disposition"], email["replied"]) == ("unmatched", True)  # the JSON vocabulary is unchanged
    digest = service.cli("digest", "--print").output
    assert "来信咨询（已自动告知截止时间，请人工答复）" in digest and subject in digest
    assert "未能识别候选人的邮件" not in digest


def test_a_covering_note_without_attachments_still_asks_for_the_materials_and_the_name(service: Service) -> None:
    service.deliver("1.eml", build_email(from_addr="unit@163.com", from_name="某单位", subject="推荐材料",
                                         text="附件是推荐材料，请查收。", attachments=[], date=WHEN), WHEN)
    service.run_once()
    text = _only_reply_text(service)
    assert "未能确定这封邮件属于哪一位候选人" in text and "谢谢您的咨询" not in text
    assert "未能识别候选人的邮件" in service.cli("digest", "--print").output
