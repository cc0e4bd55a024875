"""ImapMailbox against a real Dovecot (and a NetEase-like proxy in front of it)."""

from __future__ import annotations

import threading
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from ingest.imap import ImapMailbox
from ingest.types import Cursor, RawMail
from shenbao.config_logins import MailboxConfig
from shenbao.errors import AuthError, MailboxError
from tests.servers_imap import ImapAccount
from tests.servers_imap_proxy import ImapProxy
from tests.servers_loopback import HOST, free_port

BEIJING = timezone(timedelta(hours=8))
WHEN = datetime(2021, 4, 30, 23, 59, 30, tzinfo=BEIJING)


def make_mail(number: int, attachment_bytes: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = "单位联系人 <unit@example.org>"
    message["To"] = "jzghxjb@163.com"
    message["Subject"] = f"推荐材料 第{number}份"
    message["Message-ID"] = f"<nomination-{number}@example.org>"
    message.set_content(f"您好，附件是第{number}份推荐材料。\n")
    if attachment_bytes:
        payload = bytes(range(256)) * (attachment_bytes // 256 + 1)
        message.add_attachment(payload[:attachment_bytes], maintype="image", subtype="jpeg", filename="照片.jpg")
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


class Store:
    """Stands in for the store: remembers each mail it is handed, as the pipeline does."""

    def __init__(self) -> None:
        self.mails: list[RawMail] = []

    def uid_seen(self, mailbox: str, uidvalidity: int, uid: str) -> bool:
        return any((m.mailbox, m.uidvalidity, m.uid) == (mailbox, uidvalidity, uid) for m in self.mails)

    def take(self, box: ImapMailbox, cursor: Cursor = Cursor()) -> list[RawMail]:
        taken = []
        for mail in box.fetch_new(cursor, self):
            self.mails.append(mail)
            taken.append(mail)
        return taken


def take_once(config: MailboxConfig) -> list[RawMail]:
    """Everything a fresh mailbox of ``config`` yields; its connection closed after."""
    with closing(ImapMailbox(config)) as box:
        return Store().take(box)


def cursor_after(mails: list[RawMail]) -> Cursor:
    return Cursor(mails[-1].uidvalidity, int(mails[-1].uid))


def test_fetch_passes_the_netease_id_check(imap_account: ImapAccount, netease_proxy: ImapProxy) -> None:
    raw = make_mail(1)
    imap_account.append(raw, WHEN)
    box = ImapMailbox(imap_account.config(port=netease_proxy.port))
    mails = Store().take(box)
    box.close()
    assert [m.raw for m in mails] == [raw]
    assert mails[0].mailbox == f"imap:{imap_account.user}/INBOX@{HOST}" and mails[0].uid == "1"


def test_netease_proxy_refuses_select_before_id(imap_account: ImapAccount, netease_proxy: ImapProxy) -> None:
    with IMAPClient(HOST, netease_proxy.port, ssl=False, timeout=5) as client:
        client.login(imap_account.user, imap_account.password)
        with pytest.raises(IMAPClientError, match="Unsafe Login"):
            client.select_folder("INBOX", readonly=True)
        client.id_({"name": "test"})
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0


def test_select_refused_without_id_is_explained(imap_account: ImapAccount, netease_proxy: ImapProxy) -> None:
    netease_proxy.hide_id = True  # the server no longer offers ID, so the client cannot send it
    with pytest.raises(MailboxError, match="Unsafe Login") as caught:
        take_once(imap_account.config(port=netease_proxy.port))
    assert f"{HOST}:{netease_proxy.port}" in str(caught.value) and "ID command" in str(caught.value)


def test_internaldate_keeps_the_server_timezone(imap_account: ImapAccount) -> None:
    imap_account.append(make_mail(1), WHEN)
    imap_account.append(make_mail(2), datetime(2021, 5, 1, 1, 0, tzinfo=timezone(timedelta(hours=-5))))
    first, second = take_once(imap_account.config())
    assert first.internaldate == WHEN and first.internaldate.utcoffset() == timedelta(hours=8)
    assert second.internaldate == datetime(2021, 5, 1, 14, 0, tzinfo=BEIJING)


def test_second_fetch_from_the_cursor_yields_only_newer_mail(imap_account: ImapAccount) -> None:
    imap_account.append(make_mail(1), WHEN)
    imap_account.append(make_mail(2), WHEN)
    box, store = ImapMailbox(imap_account.config()), Store()
    first = store.take(box)
    assert [m.uid for m in first] == ["1", "2"]
    assert list(box.fetch_new(cursor_after(first), Store())) == []  # "UID 3:*" still matches UID 2
    third = imap_account.append(make_mail(3), WHEN)
    assert [m.uid for m in box.fetch_new(cursor_after(first), Store())] == [str(third)]
    box.close()


def test_uidvalidity_reset_yields_everything_again(imap_account: ImapAccount) -> None:
    folder = "申报材料"
    for number in (1, 2, 3):
        imap_account.append(make_mail(number), WHEN, folder)
    box = ImapMailbox(imap_account.config(folder=folder))
    before = Store().take(box)
    imap_account.reset_uidvalidity(folder)
    imap_account.append(make_mail(4), WHEN, folder)
    imap_account.append(make_mail(5), WHEN, folder)
    after = list(box.fetch_new(cursor_after(before), Store()))
    assert [m.uid for m in after] == ["1", "2"]  # below the old cursor, found because UIDVALIDITY changed
    assert after[0].uidvalidity != before[0].uidvalidity and after[0].raw == make_mail(4)
    assert box.name == f"imap:{imap_account.user}/{folder}@{HOST}"
    box.close()


def test_oversize_mail_is_flagged_and_only_its_header_fetched(imap_account: ImapAccount) -> None:
    imap_account.append(make_mail(1), WHEN)
    imap_account.append(make_mail(2, attachment_bytes=30_000), WHEN)
    small, big = take_once(imap_account.config(max_message_bytes=20_000))
    assert not small.oversize and small.raw
    assert big.oversize and big.size > 30_000 and big.internaldate == WHEN
    head = big.raw.replace(b"\r\n", b"\n")
    assert head.endswith(b"\n\n") and head.count(b"\n\n") == 1  # the header block, no body part
    assert b"\nSubject:" in b"\n" + head and len(head) < 5_000


def test_connection_dropped_mid_fetch_loses_and_repeats_nothing(imap_account: ImapAccount,
                                                                 netease_proxy: ImapProxy) -> None:
    raws = [make_mail(number, attachment_bytes=40_000) for number in (1, 2, 3)]
    for raw in raws:
        imap_account.append(raw, WHEN)
    netease_proxy.drop_after = 80_000  # inside the second message's body
    box = ImapMailbox(imap_account.config(port=netease_proxy.port), retry_delays=(0.05, 0.1))
    mails = Store().take(box)
    box.close()
    assert netease_proxy.dropped == 1 and netease_proxy.connections == 2
    assert [m.uid for m in mails] == ["1", "2", "3"]
    assert [m.raw for m in mails] == raws


def test_fetch_never_sets_seen(imap_account: ImapAccount) -> None:
    for number in (1, 2):
        imap_account.append(make_mail(number), WHEN)
    assert len(take_once(imap_account.config())) == 2
    flags = imap_account.flags()
    assert set(flags) == {1, 2} and not any(b"\\Seen" in f for f in flags.values())


def test_idle_wakes_within_seconds_of_new_mail(imap_account: ImapAccount) -> None:
    box = ImapMailbox(imap_account.config())
    assert Store().take(box) == []
    timer = threading.Timer(0.3, imap_account.append, (make_mail(1), WHEN))
    started = time.monotonic()
    timer.start()
    woke = box.wait_for_news(10)
    elapsed = time.monotonic() - started
    timer.join()
    box.close()
    assert woke and elapsed < 5


def test_idle_cut_by_the_server_returns_early_and_the_next_fetch_reconnects(imap_account: ImapAccount,
                                                                            netease_proxy: ImapProxy) -> None:
    box, store = ImapMailbox(imap_account.config(port=netease_proxy.port)), Store()
    assert store.take(box) == []
    timer = threading.Timer(0.3, netease_proxy.cut)
    started = time.monotonic()
    timer.start()
    assert box.wait_for_news(10) is False
    assert time.monotonic() - started < 3
    timer.join()
    imap_account.append(make_mail(1), WHEN)
    assert [m.uid for m in store.take(box)] == ["1"]
    box.close()
    assert netease_proxy.connections == 2


@pytest.mark.parametrize(("idle", "append_first", "expected"), [(True, False, False), (True, True, True),
                                                                 (False, True, False)])
def test_wait_for_news_returns_at_once_or_at_the_timeout(imap_account: ImapAccount, idle: bool, append_first: bool,
                                         expected: bool) -> None:
    """Quiet mailbox: False at the timeout; mail since the last fetch: True at once; idle off: False."""
    box = ImapMailbox(imap_account.config(idle=idle))
    Store().take(box)
    if append_first:
        imap_account.append(make_mail(1), WHEN)
    started = time.monotonic()
    assert box.wait_for_news(0.5) is expected
    assert time.monotonic() - started < (0.45 if (idle and append_first) or not idle else 3)
    box.close()


@pytest.mark.parametrize("tls", ["ssl_verify_off", "ca_file"])
def test_implicit_tls(imap_account: ImapAccount, tls: str) -> None:
    imap_account.append(make_mail(1), WHEN)
    options = {"ssl_verify": False} if tls == "ssl_verify_off" else {"ca_file": str(imap_account.cert)}
    box = ImapMailbox(imap_account.config(port=imap_account.imaps_port, ssl=True, **options))
    assert [m.uid for m in Store().take(box)] == ["1"]
    assert box.doctor()[1][:2] == ("TLS", True)
    box.close()


def test_untrusted_certificate_is_refused(imap_account: ImapAccount) -> None:
    with pytest.raises(MailboxError, match="certificate not trusted") as caught:
        take_once(imap_account.config(port=imap_account.imaps_port, ssl=True))
    assert f"{HOST}:{imap_account.imaps_port}" in str(caught.value) and "ca_file" in str(caught.value)


def test_bad_password_names_the_authorisation_code(imap_account: ImapAccount) -> None:
    with pytest.raises(AuthError, match="客户端授权码") as caught:
        take_once(imap_account.config(password="web-password"))
    assert imap_account.user in str(caught.value) and f"{HOST}:{imap_account.port}" in str(caught.value)


def test_unreachable_server_names_host_and_port() -> None:
    port = free_port()
    box = ImapMailbox(MailboxConfig(host=HOST, port=port, ssl=False, username="u@example.test", password="x"))
    with pytest.raises(MailboxError, match=f"{HOST}:{port}: cannot connect"):
        Store().take(box)


@pytest.mark.parametrize(("options", "inbox_left", "keyword_set", "moved"), [
    ({}, 1, False, 0),
    ({"mark_processed_keyword": "$Shenbao"}, 1, True, 0),
    ({"move_processed_to": "已处理"}, 0, False, 1),
])
def test_post_process_applies_only_what_is_configured(imap_account: ImapAccount, options: dict[str, str],
                                                      inbox_left: int, keyword_set: bool, moved: int) -> None:
    imap_account.append(make_mail(1), WHEN)
    box = ImapMailbox(imap_account.config(**options))
    (mail,) = Store().take(box)
    box.post_process(mail.uid)
    box.close()
    flags = imap_account.flags()
    assert len(flags) == inbox_left
    assert any(b"$Shenbao" in f for f in flags.values()) is keyword_set
    assert len(imap_account.folder_uids("已处理")) == moved


def test_doctor_reports_every_step(imap_account: ImapAccount, netease_proxy: ImapProxy) -> None:
    steps = ImapMailbox(imap_account.config(port=netease_proxy.port)).doctor()
    assert [(name, ok) for name, ok, _ in steps] == [
        ("connect", True), ("TLS", True), ("login", True), ("ID", True), ("select", True)]
    assert "Dovecot" in steps[3][2]


def test_doctor_stops_at_a_refused_login(imap_account: ImapAccount) -> None:
    steps = ImapMailbox(imap_account.config(password="web-password")).doctor()
    assert [(name, ok) for name, ok, _ in steps] == [("connect", True), ("TLS", True), ("login", False)]
    assert "授权码" in steps[-1][2]
