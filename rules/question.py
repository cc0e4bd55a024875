"""Whether a mail without any material is a question to the office ("请问截止时间是哪天？").

Pure: the subject and the sender's own words (quoted earlier mail already removed) in, a yes or
no out. Such a mail gets a short answer pointing to the notice and the deadline instead of the
"which candidate?" reply.
"""

from __future__ import annotations

QUESTION_MARKS = ("？", "?")
QUESTION_WORDS = ("请问", "咨询", "想问", "问一下", "问下", "能否", "可否", "是否", "可不可以", "能不能", "是不是",
                  "有没有", "什么时候", "几号", "几点", "怎么", "如何", "哪里", "哪些", "吗")


def is_question(subject: str, own_words: str) -> bool:
    """True when the subject or the sender's words ask something: a question mark or a question word."""
    text = f"{subject}\n{own_words}"
    return any(mark in text for mark in QUESTION_MARKS) or any(word in text for word in QUESTION_WORDS)
