"""rules.authority.may_change: who may change a nomination (pure)."""

from __future__ import annotations

import pytest

from rules.authority import may_change

UNIT = ("jfqzgh@163.com", "jfq2@126.com")


@pytest.mark.parametrize(("sender", "nomination_sender", "unit", "thread", "allowed"), [
    ("jfqzgh@163.com", "jfqzgh@163.com", (), False, True),  # its own sender
    (" JFQZGH@163.com ", "jfqzgh@163.com", (), False, True),  # addresses compare without case and blanks
    ('"jfqzgh"@163.com', "jfqzgh+2021@163.com", (), False, True),  # one mailbox however written
    ("jfq2+x@126.com", "jfqzgh@163.com", UNIT, False, True),
    ("friend+jfqzgh@qq.com", "friend@qq.com", (), False, True),
    ("jfqzgh+x@evil.example", "jfqzgh@evil.example", (), False, False),  # a tag only where the provider ignores it
    ("jfq2@126.com", "jfqzgh@163.com", UNIT, False, True),  # the unit's second roster address
    ("friend@qq.com", "jfqzgh@163.com", UNIT, True, True),  # a reply in the thread of our mail about it
    ("friend@qq.com", "jfqzgh@163.com", UNIT, False, False),  # anyone else
    ("syqzgh@163.com", "jfqzgh@163.com", UNIT, False, False),  # another unit
    ("", "", (), False, False),  # no sender at all matches no empty sender
])
def test_may_change(sender: str, nomination_sender: str, unit: tuple[str, ...], thread: bool, allowed: bool) -> None:
    verdict = may_change(sender, nomination_sender, unit, thread)
    assert verdict.allowed is allowed and verdict.reason
