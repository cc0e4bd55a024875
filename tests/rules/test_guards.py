"""no_reply_reason() on real .eml bytes read by ingest.parse, and the per-sender reply cap."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from ingest.parse import parse_mail
from notify.render import RenderedReply, build_reply_message
from rules.guards import is_bounce, is_robot_sender, no_reply_reason, over_reply_cap
from tests.formats.builders import winmail_dat

OWN = frozenset({"jzghxjb@163.com"})
CST = timezone(timedelta(hours=8))


def eml(
    headers: dict[str, str] | None = None,
    sender: str | None = "沁阳市总工会 <qyszgh@163.com>",
    subject: str = "2021年焦作“最美职工”推荐材料-沁阳市总工会-沈军",
) -> bytes:
    """A nomination-like mail (text body and a .docx attachment) with extra headers."""
    message = EmailMessage()
    if sender is not None:
        message["From"] = sender
    message["To"] = "jzghxjb@163.com"
    message["Subject"] = subject
    message["Date"] = "Mon, 26 Apr 2021 10:02:18 +0800"
    message["Message-ID"] = "<4f418078.8faf.0c99b67da16.Coremail.qyszgh@163.com>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content("陈老师：\n  您好！现将推荐材料报送给您，请查收。\n")
    message.add_attachment(b"PK\x03\x04 not really a docx", maintype="application",
                           subtype="octet-stream", filename="推荐表（沈军）.docx")
    return message.as_bytes(policy=SMTP)


def reason(raw: bytes) -> str | None:
    return no_reply_reason(parse_mail(raw), own_addresses=OWN, own_message_id_domain="163.com")


def test_a_unit_nomination_may_be_answered() -> None:
    assert reason(eml()) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-submitted"),
        ({"Auto-Submitted": "auto-generated; owner-email=\"x@example.com\""}, "auto-submitted"),
        ({"Auto-Submitted": "auto-notified"}, "auto-submitted"),
        ({"Auto-Submitted": "no"}, None),
        ({"Auto-Submitted": "No"}, None),
        ({"Precedence": "bulk"}, "precedence"),
        ({"Precedence": "list"}, "precedence"),
        ({"Precedence": "Junk"}, "precedence"),
        ({"Precedence": "first-class"}, None),
        ({"List-Id": "工会通知 <notice.lists.example.com>"}, "list"),
        ({"List-Unsubscribe": "<mailto:leave@lists.example.com>"}, "list"),
        ({"X-Auto-Response-Suppress": "All"}, "auto-response-suppress"),
        ({"X-Auto-Response-Suppress": "DR, OOF, AutoReply"}, "auto-response-suppress"),
        ({"X-Auto-Response-Suppress": "DR, RN, NRN"}, None),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
        ({"X-Autorespond": "On"}, "x-autoreply"),
        ({"X-Loop": "jzghxjb@163.com"}, "x-loop"),
        ({"Return-Path": "<>"}, "null-return-path"),
        ({"Return-Path": "<qyszgh@163.com>"}, None),
        ({"Message-ID": "<shenbao.0f3c2a9b8e@163.com>"}, "own-message"),
        ({"Message-ID": "<shenbao.0f3c2a9b8e@qq.com>"}, None),
    ],
    ids=lambda v: str(v),
)
def test_headers_that_mark_automatic_mail(headers: dict[str, str], expected: str | None) -> None:
    if "Message-ID" in headers:
        raw = eml().replace(b"<4f418078.8faf.0c99b67da16.Coremail.qyszgh@163.com>", headers["Message-ID"].encode())
    else:
        raw = eml(headers)
    assert reason(raw) == expected


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("MAILER-DAEMON@163.com", "robot-sender"),
        ("Mail Delivery System <mailer-daemon@qq.com>", "robot-sender"),
        ("postmaster@jiaozuo.gov.cn", "robot-sender"),
        ("noreply@service.example.com", "robot-sender"),
        ("系统通知 <no-reply@example.com>", "robot-sender"),
        ("donotreply@example.com", "robot-sender"),
        ("Gmail Team <gmail-noreply@google.com>", "robot-sender"),
        ("alerts_no_reply@bank.example.com", "robot-sender"),
        ("do_not_reply@example.com", "robot-sender"),
        ("owner-notice@lists.example.com", "robot-sender"),
        ("notice-request@lists.example.com", "robot-sender"),
        ("焦作市总工会宣教网络部 <jzghxjb@163.com>", "own-address"),
        ("JZGHXJB@163.COM", "own-address"),
        ('"JZGHXJB"@163.COM', "own-address"),
        ("jzghxjb+x@163.com", "own-address"),
        ("办公室 <Jzghxjb+2021@163.com>", "own-address"),
        ("jzghxjb+x@example.com", None),  # a +tag is only the same mailbox where the provider says so
        ("noreen@163.com", None),
        ("解放区总工会 <jfqzgh@163.com>", None),
        (None, "no-sender"),
        ("undisclosed-recipients:;", "no-sender"),
    ],
)
def test_senders_that_must_not_be_answered(sender: str | None, expected: str | None) -> None:
    assert reason(eml(sender=sender)) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("自动回复：2021年焦作“最美职工”推荐材料", "auto-reply-subject"),
        ("Auto reply: Nyaan", "auto-reply-subject"),
        ("Automatic reply: 推荐材料", "auto-reply-subject"),
        ("AutoResponse: 推荐材料", "auto-reply-subject"),
        ("Out of Office: 推荐材料", "auto-reply-subject"),
        ("回复：2021年焦作“最美职工”推荐材料 [JZ2021-007]", None),
        ("关于自动回复的问题", None),
    ],
)
def test_auto_reply_subjects_without_headers(subject: str, expected: str | None) -> None:
    assert reason(eml(subject=subject)) == expected


def receipt(subject: str, attachment: tuple[str, bytes] | None) -> bytes:
    """A read receipt as Outlook inside Exchange sends it: no RFC 8098 report, the receipt in winmail.dat."""
    message = EmailMessage()
    message["From"] = "沁阳市总工会 <qyszgh@163.com>"
    message["To"] = "jzghxjb@163.com"
    message["Subject"] = subject
    message["Message-ID"] = "<004801d0b58b$a5da1980$f18e4c80$@163.com>"
    message["X-Mailer"] = "Microsoft Outlook 16.0"
    if attachment is None:
        message.set_content("您的邮件已于 2021/4/26 10:30 被读取。")
    else:
        message.add_attachment(attachment[1], maintype="application", subtype="ms-tnef", filename=attachment[0])
    return message.as_bytes(policy=SMTP)


@pytest.mark.parametrize(
    ("subject", "attachment", "expected"),
    [
        ("Read: invitation", ("winmail.dat", winmail_dat({})), "read-receipt"),
        ("已读: 回复：2021年焦作“最美职工”推荐材料 [JZ2021-007]", ("winmail.dat", winmail_dat({})), "read-receipt"),
        ("已读：推荐材料", None, "read-receipt"),
        ("Lu : 推荐材料", None, "read-receipt"),
        ("已读: 推荐材料", ("winmail.dat", winmail_dat({"IMG_0001.JPG": b"\xff\xd8\xff" + bytes(200_000)})), None),
        ("已读: 推荐材料", ("推荐表.docx", b"PK\x03\x04 not really a docx"), None),
        ("Reading list", None, None),
        ("阅读材料", None, None),
    ],
)
def test_read_receipts_without_a_report_are_never_answered(subject: str, attachment: tuple[str, bytes] | None,
                                                           expected: str | None) -> None:
    """A "Read:"/"已读:" subject bringing nothing or a receipt-sized winmail.dat is a receipt; one with
    files is a person's mail, whatever its subject."""
    assert reason(receipt(subject, attachment)) == expected


def _report(report_type: str, part_type: str) -> bytes:
    """A multipart/report as an MTA or a mail client writes it (RFC 3462)."""
    lines = [
        "From: Mail Delivery Subsystem <bounces@mx.example.com>",
        "To: jzghxjb@163.com",
        "Subject: Delivery Status Notification",
        "Message-ID: <report.1@mx.example.com>",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type={report_type}; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Your message could not be delivered.",
        "--b1",
        f"Content-Type: {part_type}",
        "",
        "Reporting-MTA: dns; mx.example.com",
        "",
        "Final-Recipient: rfc822; x@example.com",
        "Action: failed",
        "",
        "--b1--",
        "",
    ]
    return "\r\n".join(lines).encode()


@pytest.mark.parametrize(
    ("report_type", "part_type", "expected"),
    [
        ("delivery-status", "message/delivery-status", "delivery-report"),
        ("disposition-notification", "message/disposition-notification", "report"),
    ],
)
def test_reports_are_never_answered(report_type: str, part_type: str, expected: str) -> None:
    assert reason(_report(report_type, part_type)) == expected


def test_our_own_reply_looping_back_is_never_answered() -> None:
    reply = build_reply_message(
        RenderedReply("回复：推荐材料 [JZ2021-007]", "您好！", "<p>您好！</p>"),
        to_addr="qyszgh@163.com", to_name="沁阳市总工会", from_addr="jzghxjb@163.com",
        from_name="焦作市总工会宣教网络部", in_reply_to="a@163.com", references=(),
        message_id_domain="163.com", now=datetime(2021, 4, 26, 10, 5, tzinfo=CST),
    )
    parsed = parse_mail(reply.as_bytes(policy=SMTP))
    assert reason(reply.as_bytes(policy=SMTP)) == "auto-submitted"
    unmarked = {k: v for k, v in parsed.auto_headers.items() if k != "auto-submitted" and not k.startswith("x-auto")}
    stripped = replace(parsed, auto_headers=unmarked)
    assert no_reply_reason(stripped, own_addresses=frozenset(), own_message_id_domain="163.com") == "own-message"


NOW = datetime(2021, 4, 28, 12, 0, tzinfo=CST)


@pytest.mark.parametrize(
    ("hours_ago", "per_day", "per_3h", "capped"),
    [
        ([], 3, 2, False),
        ([1.0], 3, 2, False),
        ([0.5, 2.5], 3, 2, True),
        ([0.5, 3.5], 3, 2, False),
        ([1, 5, 20], 3, 5, True),
        ([1, 5, 25], 3, 5, False),
        ([30, 40, 50, 60], 3, 2, False),
    ],
)
def test_reply_cap_counts_rolling_windows(hours_ago: list[float], per_day: int, per_3h: int, capped: bool) -> None:
    sent = [NOW - timedelta(hours=h) for h in hours_ago]
    assert over_reply_cap(sent, NOW, per_day=per_day, per_3h=per_3h) is capped


def _raw(from_line: str, subject: str) -> bytes:
    """A plain mail with the From line written as is (a malformed one stays malformed)."""
    return "\r\n".join([f"From: {from_line}", "To: jzghxjb@163.com", f"Subject: {subject}",
                        "Date: Mon, 26 Apr 2021 10:02:18 +0800", "", "Test message", ""]).encode()


@pytest.mark.parametrize(
    ("from_line", "subject", "expected"),
    [
        ('"postmaster@" <sending_domain.tld postmaster@sending_domain.tld>', "Undeliverable: Some subject", "bounce-subject"),
        ('"postmaster@" <sending_domain.tld postmaster@sending_domain.tld>', "推荐材料", "robot-sender"),
        ("MAILER-DAEMON <mx.example.com MAILER-DAEMON@mx.example.com>", "推荐材料", "robot-sender"),
        ('"postmaster@mx.163.com" <mx.163.com system>', "推荐材料", "robot-sender"),
        ("解放区总工会 <jfqzgh@163.com>", "Undelivered Mail Returned to Sender", "bounce-subject"),
        ("解放区总工会 <jfqzgh@163.com>", "Delivery Status Notification (Failure)", "bounce-subject"),
        ("解放区总工会 <jfqzgh@163.com>", "Mail delivery failed: returning message to sender", "bounce-subject"),
        ("解放区总工会 <jfqzgh@163.com>", "Returned mail: see transcript for details", "bounce-subject"),
        ("解放区总工会 <jfqzgh@163.com>", "failure notice", "bounce-subject"),
        ("解放区总工会 <jfqzgh@163.com>", "系统退信", "bounce-subject"),
        ('"王 建国" <wang jianguo@163.com>', "推荐材料", None),  # malformed but a person: no robot in it
        ('"postmaster@x.com" <jfqzgh@163.com>', "推荐材料", None),  # a well-formed address decides
        ("解放区总工会 <jfqzgh@163.com>", "关于退信的说明", None),
        ("解放区总工会 <jfqzgh@163.com>", "回复：Undeliverable: 推荐材料", None),
    ],
)
def test_bounces_with_a_malformed_from_or_only_a_bounce_subject_are_never_answered(from_line: str, subject: str,
                                                                                    expected: str | None) -> None:
    assert reason(_raw(from_line, subject)) == expected


ISSUE_462 = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "realworld" / "php-imap" / "issue-462.eml"


@pytest.mark.parametrize("path", [ISSUE_462] if ISSUE_462.exists() else [], ids=["php-imap-issue-462"])
def test_the_realworld_bounce_with_a_broken_from_is_a_robot(path: Path) -> None:
    parsed = parse_mail(path.read_bytes())
    assert "postmaster@" in parsed.from_name and is_robot_sender(parsed) and is_bounce(parsed)
    assert reason(path.read_bytes()) == "bounce-subject"
    assert reason(path.read_bytes().replace(b"Undeliverable: Some subject", b"Some subject")) == "robot-sender"


@pytest.mark.parametrize("from_line", ["=?utf-8?q?jzghxjb=40163.com?=", "=?utf-8?q?x?= <=?utf-8?q?jzghxjb=40163.com?=>"])
def test_an_address_inside_an_encoded_word_is_no_sender_at_all(from_line: str) -> None:
    """GIVEN a From whose only "address" is an RFC 2047 encoded-word (text, as mail clients treat it)
    WHEN judged THEN there is no sender to answer (not the office's, not anyone's address)."""
    assert reason(_raw(from_line, "推荐材料")) == "no-sender"
