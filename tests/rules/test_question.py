"""Which mails without material are questions to the office (rules/question.py, pure)."""

from __future__ import annotations

import pytest

from rules.question import is_question


@pytest.mark.parametrize(("subject", "words", "asks"), [
    ("咨询", "请问截止时间是哪天", True),
    ("关于推荐名额", "我单位能否推荐三名？", True),
    ("问题", "材料收到了吗", True),
    ("Question", "When is the deadline?", True),
    ("推荐材料", "附件是推荐材料，请查收。", False),
    ("", "", False),
])
def test_a_question_is_told_from_a_covering_note(subject: str, words: str, asks: bool) -> None:
    assert is_question(subject, words) is asks
