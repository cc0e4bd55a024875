"""Loops and abuse: a peer that auto-answers every reply, a flood from one sender, a flood from
many, and mail forged to look as if it came from the office itself.

The peer is a real SMTP+IMAP pair: the test SMTP server takes each reply of the daemon and
APPENDs an answer to it into the Dovecot INBOX the daemon reads (IDLE wakes it at once).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from shenbao.samples.build import CST, OFFICE_ADDRESS, build_email
from tests.reliability import figures
from tests.reliability.harness import captured_ids, deliver_folder, finish, install
from tests.reliability.mixed import PlannedMail
from tests.servers_imap import DovecotServer, ImapAccount
from tests.servers_smtp import Captured, SmtpServer
from tests.shenbao.test_imap_service import STOP_SECONDS

CAP_3H = 10  # the default replies.max_per_sender_per_3h
CAPS = {"max_per_sender_per_3h": CAP_3H, "max_per_sender_per_day": 20, "max_per_hour": 200}

# How the peer answers: extra headers and subject prefix. Only the last one looks human.
PEERS = {
    "rfc3834-headers": ({"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}, "Re: "),
    "exchange-headers": ({"X-Auto-Response-Suppress": "All", "Precedence": "auto_reply"}, "Re: "),
    "subject-only": ({}, "自动回复："),
    "no-marks-at-all": ({}, "Re: "),
}


class AutoReplyingPeer:
    """Answers every message the SMTP server takes with a mail into ``account``'s INBOX."""

    def __init__(self, account: ImapAccount, headers: dict[str, str], prefix: str) -> None:
        self.account, self.headers, self.prefix = account, headers, prefix
        self.answered = 0
        self.threads: list[threading.Thread] = []

    def __call__(self, captured: Captured) -> None:
        reply = message_from_bytes(captured.data, policy=policy.default)
        self.answered += 1
        sent = datetime(2021, 4, 26, 12, 0, tzinfo=CST) + timedelta(minutes=self.answered)
        answer = build_email(from_addr=captured.rcpt_tos[0], from_name="解放区总工会", to_addr=OFFICE_ADDRESS,
                             subject=self.prefix + str(reply["Subject"]), text="您好，您的邮件已收到，我们会尽快处理。",
                             attachments=[], date=sent,
                             extra_headers={**self.headers, "In-Reply-To": str(reply["Message-ID"]),
                                            "References": str(reply["Message-ID"])})
        thread = threading.Thread(target=self.account.append, args=(answer, sent), daemon=True)
        thread.start()  # not in the SMTP server's event loop
        self.threads.append(thread)


def _quiet_for(seconds: float, count: Callable[[], int], deadline: float = 90) -> None:
    """Wait until ``count()`` has not changed for ``seconds``."""
    started, last, since = time.monotonic(), -1, time.monotonic()
    while time.monotonic() - since < seconds:
        assert time.monotonic() - started < deadline, "the exchange never calmed down"
        now = count()
        if now != last:
            last, since = now, time.monotonic()
        time.sleep(0.1)


@pytest.mark.parametrize("peer", list(PEERS))
def test_an_auto_replying_peer_never_gets_more_than_the_cap(
        tmp_path: Path, dovecot: DovecotServer, smtp_server: SmtpServer, mixed_mails: list[PlannedMail],
        peer: str) -> None:
    account = dovecot.add_user()
    first = mixed_mails[1]  # a human nomination with photos missing: it gets a checklist
    account.append(first.raw, first.arrived)
    answering = AutoReplyingPeer(account, *PEERS[peer])
    smtp_server.on_message = answering
    installation = install(tmp_path, account, smtp_server, replies=CAPS)
    daemon = installation.start("run", log=tmp_path / "daemon.log")
    try:
        _quiet_for(4.0, lambda: len(smtp_server.messages) + len(account.folder_uids("INBOX")))
    finally:
        smtp_server.on_message = None
        daemon.send_signal(signal.SIGTERM)
        finished = finish(daemon, 60)
    assert finished.returncode == 0 and finished.seconds < STOP_SECONDS, finished.stderr[-2000:]
    ours = len(smtp_server.messages)
    inbox = len(account.folder_uids("INBOX"))
    if peer == "no-marks-at-all":  # indistinguishable from a person: only the cap ends it
        assert ours == CAP_3H and inbox == CAP_3H + 1
        assert installation.db("select state, count(*) from replies group by state") == [("sent", CAP_3H),
                                                                                           ("suppressed", 1)]
    else:
        assert ours == 1 and inbox == 2
        [(disposition,)] = installation.db("select disposition from emails where uid = '2'")
        assert disposition.startswith("ignored:")
    assert installation.db("select count(*) from emails where state = 'processed'") == [(inbox,)]
    figures.add("loops", peers=1, messages_to_peers=ours, mails_from_peers=inbox)


def _flood(count: int, senders: int, start: datetime) -> list[PlannedMail]:
    mails = []
    for n in range(count):
        sender = f"flood{n % senders}@qq.com"
        sent = start + timedelta(seconds=30 * n)
        raw = build_email(from_addr=sender, from_name="张老师", subject=f"推荐材料咨询（第{n}封）",
                          text=f"请问推荐材料是否收到？第{n}封。", attachments=[], date=sent)
        mails.append(PlannedMail(n, "flood", sender, raw, sent, "unmatched"))
    return mails


@pytest.fixture
def flood_size(request: pytest.FixtureRequest) -> int:
    return 2000 if request.config.getoption("--runslow") else 500


def test_a_flood_from_one_sender_gets_only_the_capped_replies_and_every_mail_a_disposition(
        tmp_path: Path, smtp_server: SmtpServer, flood_size: int) -> None:
    deliver_folder(tmp_path / "mailbox", _flood(flood_size, 1, datetime(2021, 4, 27, 8, 0, tzinfo=CST)))
    installation = install(tmp_path / "svc", tmp_path / "mailbox", smtp_server, replies=CAPS)
    installation.run_once(timeout=600)
    installation.run_once()  # a second cycle sends nothing more
    assert len(smtp_server.messages) == CAP_3H
    assert installation.db("select state, count(*) from replies group by state") == [
        ("sent", CAP_3H), ("suppressed", flood_size - CAP_3H)]
    assert installation.db("select disposition, count(*) from emails group by disposition") == [("unmatched", flood_size)]
    figures.add("loops", flood_mails=flood_size, flood_replies_sent=len(smtp_server.messages))


def test_a_flood_from_many_senders_is_paced_by_the_hourly_cap_and_nothing_is_dropped(
        tmp_path: Path, smtp_server: SmtpServer) -> None:
    deliver_folder(tmp_path / "mailbox", _flood(60, 60, datetime(2021, 4, 27, 8, 0, tzinfo=CST)))
    installation = install(tmp_path / "svc", tmp_path / "mailbox", smtp_server, replies={"max_per_hour": 20})
    installation.run_once()
    installation.run_once()
    assert len(smtp_server.messages) == 20
    assert installation.db("select state, count(*) from replies group by state") == [("pending", 40), ("sent", 20)]
    assert len(set(captured_ids(smtp_server))) == 20


# (From address, extra headers, Message-ID)
FORGERIES = {
    "our-address": ("jzghxjb@163.com", {}, None),
    "our-address-in-capitals": ("JZGHXJB@163.COM", {}, None),
    "our-address-other-return-path": ("jzghxjb@163.com", {"Return-Path": "<attacker@example.com>"}, None),
    "our-message-id": ("someone@qq.com", {}, "<shenbao.0123456789abcdef@163.com>"),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_mail_forged_as_from_the_office_gets_no_reply(tmp_path: Path, smtp_server: SmtpServer, forgery: str) -> None:
    sender, headers, message_id = FORGERIES[forgery]
    raw = build_email(from_addr=sender, from_name="焦作市总工会宣教网络部", subject="关于推荐材料的通知",
                      text="请各单位重新报送材料。", attachments=[], extra_headers=headers, message_id=message_id,
                      date=datetime(2021, 4, 27, 9, 0, tzinfo=CST))
    deliver_folder(tmp_path / "mailbox", [PlannedMail(0, forgery, sender, raw, datetime.now(CST), "ignored")])
    installation = install(tmp_path / "svc", tmp_path / "mailbox", smtp_server)
    installation.run_once()
    [(disposition,)] = installation.db("select disposition from emails")
    assert disposition in ("ignored:own-address", "ignored:own-message")
    assert smtp_server.messages == [] and installation.db("select count(*) from replies") == [(0,)]
    figures.add("loops", forged_mails=1, replies_to_forgeries=0)
