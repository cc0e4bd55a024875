"""Which address a From means, through the whole service: roster matches, the office's own address,
per-sender caps by mailbox, and a greeting no sender can write."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

import pytest

from shenbao.samples.build import CST, build_email
from tests.shenbao.conftest import Service
from tests.shenbao.unitmail import package, roster_toml, with_from

AT = datetime(2021, 4, 26, 10, 0, tzinfo=CST)
FORM_UNIT = "焦作某某公司工会"  # the 申报单位 on the form: not on the roster


def mail(from_line: str, *, subject: str = "推荐材料-王喆", attachments: bool = True, number: int = 0) -> bytes:
    files = package("王喆", FORM_UNIT) if attachments else []
    raw = build_email(from_addr="placeholder@example.com", from_name="x", subject=subject, text="附件是推荐材料。",
                      attachments=files, date=AT, message_id=f"<m{number}.{abs(hash(from_line))}@example.com>")
    return with_from(raw, from_line)


@pytest.fixture
def roster_service(service_with) -> Service:  # type: ignore[no-untyped-def]
    return service_with(roster_toml())


@pytest.mark.parametrize(
    ("from_line", "to"),
    [
        ("jfqzgh@163.com<attacker@evil.example>", "attacker@evil.example"),
        ('"jfqzgh@163.com" <attacker@evil.example>', "attacker@evil.example"),
        ("=?utf-8?q?jfqzgh=40163.com?= <attacker@evil.example>", "attacker@evil.example"),
        ("jfqzgh@163.com, attacker@evil.example", "jfqzgh@163.com"),
    ],
    ids=["display-name-glued", "quoted-display-name", "encoded-display-name", "two-mailboxes"],
)
def test_a_from_that_only_looks_like_a_roster_unit_is_not_that_unit(roster_service: Service, from_line: str,
                                                                    to: str) -> None:
    """GIVEN a nomination whose From shows the 解放区总工会 address only in its display name, or names two
    mailboxes WHEN processed THEN the nomination is not the roster unit's (its unit is the form's, no
    quota place of the unit), the reply goes to the angle-addr and greets nobody by name."""
    roster_service.deliver("1.eml", mail(from_line), AT)
    roster_service.run_once()
    data = roster_service.export()
    [sub] = data["submissions"]
    assert (sub["unit"], sub["sender"]) == (FORM_UNIT, to)
    [reply] = roster_service.replies()
    assert reply["To"].addresses[0].addr_spec == to
    assert reply.get_body(("plain",)).get_content().startswith("您好！")


def test_a_plain_roster_address_still_is_the_unit(roster_service: Service) -> None:
    """GIVEN the unit's address with a quoted local part in capitals WHEN processed THEN it is the roster
    unit (beating the form's 申报单位) and the letter greets it."""
    roster_service.deliver("1.eml", mail('"JFQZGH"@163.COM'), AT)
    roster_service.run_once()
    [sub] = roster_service.export()["submissions"]
    [reply] = roster_service.replies()
    assert (sub["unit"], sub["sender"]) == ("解放区总工会", "jfqzgh@163.com")
    assert reply["To"].addresses[0].display_name == "解放区总工会"
    assert reply.get_body(("plain",)).get_content().startswith("解放区总工会：")


@pytest.mark.parametrize("from_line", ["=?utf-8?q?jfqzgh=40163.com?=", '"JZGHXJB"@163.COM', "jzghxjb+x@163.com"])
def test_no_reply_to_an_encoded_word_or_the_offices_own_mailbox(roster_service: Service, from_line: str) -> None:
    """GIVEN a From that is only an encoded-word, or the office's own mailbox written another way
    WHEN processed THEN it is recorded with the reason and nobody is answered."""
    roster_service.deliver("1.eml", mail(from_line), AT)
    roster_service.run_once()
    [email] = roster_service.export()["emails"]
    assert email["disposition"] in ("ignored:no-sender", "ignored:own-address")
    assert email["disposition"] == ("ignored:no-sender" if "=?" in from_line else "ignored:own-address")
    assert roster_service.replies() == []


def test_per_sender_caps_count_one_mailbox_however_its_address_is_written(service: Service) -> None:
    """GIVEN 30 mails within an hour from victim+N@163.com, "victim"@163.com and VICTIM@163.com
    WHEN processed THEN every mail has a disposition but one mailbox gets only max_per_sender_per_3h (10) replies."""
    spellings = [f"victim+{n}@163.com" for n in range(10)] + ['"victim"@163.com'] * 10 + ["VICTIM@163.com"] * 10
    for number, address in enumerate(spellings):
        service.deliver(f"{number:02d}.eml", mail(address, attachments=False, number=number), AT + timedelta(minutes=number))
    service.run_once()
    data = service.export()
    assert len(data["emails"]) == 30 and all(e["disposition"] == "unmatched" for e in data["emails"])
    assert len(service.replies()) == 10


def test_the_greeting_is_never_the_senders_display_name_and_links_are_not_quoted(service: Service) -> None:
    """GIVEN a sender with no roster entry whose display name and subject carry a phishing text with a link
    WHEN answered THEN the letter greets nobody by name ("您好！" alone) and repeats no link."""
    phishing = "您的推荐资格已被取消，请立即登录 http://evil.example/login 重新申报"
    raw = mail(f"=?utf-8?b?{base64.b64encode(phishing.encode()).decode()}?= <someone@example.com>",
               subject=f"推荐材料 {phishing} www.evil.example/x")
    service.deliver("1.eml", raw, AT)
    service.run_once()
    [reply] = service.replies()
    text = reply.get_body(("plain",)).get_content()
    html = reply.get_body(("html",)).get_content()
    assert text.startswith("您好！") and phishing[:10] not in text and phishing[:10] not in html
    assert reply["To"].addresses[0].display_name == "" and phishing[:10] not in str(reply["To"])
    assert all("evil.example" not in shown for shown in (text, html, str(reply["Subject"])))
    assert "（链接略）" in str(reply["Subject"])
