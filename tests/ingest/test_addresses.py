"""A From header read as mail clients and DMARC read it; one key for "the same mailbox"."""

from __future__ import annotations

import pytest

from ingest.addresses import doubted, mailbox_key, read_from
from ingest.parse import parse_mail


@pytest.mark.parametrize(
    ("value", "address", "name", "doubt"),
    [
        ("解放区总工会 <jfqzgh@163.com>", "jfqzgh@163.com", "解放区总工会", False),
        ("=?utf-8?b?6Kej5pS+5Yy65oC75bel5Lya?= <JFQZGH@163.com>", "jfqzgh@163.com", "解放区总工会", False),
        ("jfqzgh@163.com (解放区总工会)", "jfqzgh@163.com", "解放区总工会", False),
        ('"Li, Ming" <li@example.cn>', "li@example.cn", "Li, Ming", False),
        ("JFQZGH@163.com <jfqzgh@163.com>", "jfqzgh@163.com", "JFQZGH@163.com", False),  # its own address: fine
        ('"JZGHXJB"@163.COM', "jzghxjb@163.com", "", False),
        # the angle-addr is the address; the display name only looks like the unit's
        ("jfqzgh@163.com<attacker@evil.example>", "attacker@evil.example", "jfqzgh@163.com", True),
        ('"jfqzgh@163.com" <attacker@evil.example>', "attacker@evil.example", "jfqzgh@163.com", True),
        ("=?utf-8?q?jfqzgh=40163.com?= <attacker@evil.example>", "attacker@evil.example", "jfqzgh@163.com", True),
        ("jfqzgh@163.com, attacker@evil.example", "jfqzgh@163.com", "", True),
        # an encoded-word is text, never an address
        ("=?utf-8?q?jfqzgh=40163.com?=", "", "jfqzgh@163.com", False),
        ("=?utf-8?q?x?= <=?utf-8?q?jfqzgh=40163.com?=>", "", "x", False),
        ("undisclosed-recipients:;", "", "", False),
        ("王 <a\x1b]52;c;eA==\x07@example.com>", "", "王", False),  # a terminal escape is no address
    ],
)
def test_the_from_address_is_the_one_a_mail_client_shows(value: str, address: str, name: str, doubt: bool) -> None:
    defects: list[str] = []
    sender = read_from(value, defects)
    assert (sender.address, sender.name, bool(sender.doubt)) == (address, name, doubt)
    assert doubted(defects) == doubt


def test_a_doubted_from_is_recorded_on_the_parsed_mail() -> None:
    raw = b"From: jfqzgh@163.com<attacker@evil.example>\r\nSubject: x\r\n\r\nbody\r\n"
    mail = parse_mail(raw)
    assert mail.from_addr == "attacker@evil.example" and doubted(mail.defects)


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("jzghxjb@163.com", "jzghxjb@163.com"),
        ('"JZGHXJB"@163.COM', "jzghxjb@163.com"),
        ("jzghxjb+x@163.com", "jzghxjb@163.com"),
        ("Victim+7@QQ.com", "victim@qq.com"),
        ("<victim@126.com>", "victim@126.com"),
        ("Vic.Tim+a@gmail.com", "victim@gmail.com"),
        ("vic.tim+a@jiaozuo.gov.cn", "vic.tim+a@jiaozuo.gov.cn"),  # an unknown provider: the tag may matter
        ('"a b"@163.com', '"a b"@163.com'),  # a quoted local part that needs its quotes keeps them
        ("not an address", ""),
    ],
)
def test_mailbox_key_is_one_string_per_mailbox(given: str, key: str) -> None:
    assert mailbox_key(given) == key
