"""Network faults: the daemon (``shenbao run``) talks to Dovecot and aiosmtpd through fault proxies
that drop, stall and reset its connections mid-command, cut it while it waits in IDLE, and refuse
it during an outage. It must recover by itself within its backoff (IMAP: reconnect delays of
1, 2, 5 s; SMTP: ``replies.retry_after_seconds = 1``, doubling), lose nothing, process nothing
twice, and repeat a reply only when the connection broke after the server had taken it.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.reliability import figures
from tests.reliability.faultproxy import Fault, FaultProxy
from tests.reliability.harness import Installation, captured_ids, captured_replies, deliver_imap, finish, imap_table, install, \
    smtp_table
from tests.reliability.mixed import PlannedMail
from tests.servers_imap import DovecotServer, ImapAccount
from tests.servers_smtp import Captured, SmtpServer

# One fault per new connection, in order. IMAP: cut during login, stall and reset mid-body.
IMAP_PLAN = [Fault("drop", 3_000), Fault("stall", 300_000), Fault("reset", 700_000)]
# SMTP (one connection per reply): closed before the greeting, stalled after it, reset mid-DATA.
SMTP_PLAN = [Fault("drop", 0), Fault("stall", 60), Fault("reset", 3_000, "up")]
CUT_BEFORE_250 = 5  # the 5th accepted reply: its connection is cut before the client hears "250"
# The plan costs at most: IMAP reconnect delays 1 + 2 + 5 s, two 2 s timeouts (the stalls), SMTP
# retries after 1, 2 and 4 s, plus processing 20 mails. 60 s leaves a loaded machine room; a service
# that stopped retrying, or waited out a default 30 s backoff twice, does not make it.
DEADLINE = 60.0


@pytest.fixture
def flaky(tmp_path: Path, smtp_server: SmtpServer) -> Iterator[tuple[FaultProxy, FaultProxy]]:
    imap = FaultProxy(0).start()
    smtp = FaultProxy(smtp_server.port).start()
    yield imap, smtp
    imap.stop()
    smtp.stop()


def _account(dovecot: DovecotServer, mails: list[PlannedMail]) -> ImapAccount:
    account = dovecot.add_user()
    deliver_imap(account, mails)
    return account


def _service(root: Path, account: ImapAccount, smtp_server: SmtpServer, imap: FaultProxy,
             smtp: FaultProxy) -> Installation:
    imap.upstream_port = account.port
    installation = Installation(root, env={"SHENBAO_TEST_IMAP_PASSWORD": account.password})
    return installation.configure(imap_table(account, port=imap.port, timeout_seconds=2),
                                  smtp_table(smtp_server, port=smtp.port, timeout_seconds=2),
                                  replies={"retry_after_seconds": 1})


def _settled(installation: Installation, mails: int) -> bool:
    """Every mail processed and no reply still waiting to be sent."""
    if not installation.db_path.exists():
        return False
    try:
        (processed,), = installation.db("select count(*) from emails where state = 'processed'")
        (waiting,), = installation.db("select count(*) from replies where state in ('pending', 'sending')")
    except Exception:  # noqa: BLE001 - tables not created yet
        return False
    return processed == mails and waiting == 0


def _wait(condition: Callable[[], bool], what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < DEADLINE, f"not recovered within {DEADLINE}s: {what}"
        time.sleep(0.2)
    return time.monotonic() - started


def _stop(process: object, log: Path) -> str:
    process.send_signal(signal.SIGTERM)  # type: ignore[attr-defined]
    finished = finish(process, 60)  # type: ignore[arg-type]
    text = log.read_text(errors="replace")
    assert finished.returncode == 0, text[-3000:]
    return text


def test_drops_stalls_and_resets_mid_command_are_ridden_out_with_no_loss_and_no_double_processing(
        tmp_path: Path, dovecot: DovecotServer, mixed_mails: list[PlannedMail], smtp_server: SmtpServer,
        flaky: tuple[FaultProxy, FaultProxy]) -> None:
    mails = mixed_mails[:20]
    account = _account(dovecot, mails)
    clean_install = install(tmp_path / "clean", account, smtp_server)
    clean_install.run_once()
    clean, clean_replies = clean_install.snapshot(), captured_replies(smtp_server)
    smtp_server.messages.clear()

    imap, smtp = flaky
    imap.plan, smtp.plan = list(IMAP_PLAN), list(SMTP_PLAN)

    def cut_before_250(_: Captured) -> None:
        if len(smtp_server.messages) == CUT_BEFORE_250:
            smtp.cut()

    smtp_server.on_message = cut_before_250
    installation = _service(tmp_path / "svc", account, smtp_server, imap, smtp)
    log = tmp_path / "daemon.log"
    daemon = installation.start("run", log=log)
    try:
        seconds = _wait(lambda: _settled(installation, len(mails)) and captured_replies(smtp_server) >= clean_replies,
                        "every mail processed and every reply delivered")
    finally:
        smtp_server.on_message = None
        text = _stop(daemon, log)

    assert [f.kind for f in imap.injected] == ["drop", "stall", "reset"]
    assert [f.kind for f in smtp.injected] == ["drop", "stall", "reset"]
    assert "Traceback" not in text
    assert installation.snapshot() == clean
    copies = Counter(captured_ids(smtp_server))
    extra = sum(copies.values()) - len(copies)
    assert captured_replies(smtp_server) == clean_replies
    assert extra <= 1, copies  # only the reply cut before its "250" may repeat
    figures.add("network", faults=len(imap.injected) + len(smtp.injected) + 1, mails=len(mails), mails_lost=0,
                duplicate_processing=0, extra_reply_copies=extra)
    figures.most("network", seconds_to_settle=round(seconds, 1))


def test_a_cut_during_idle_and_an_outage_are_recovered_and_mail_sent_meanwhile_is_answered_once(
        tmp_path: Path, dovecot: DovecotServer, mixed_mails: list[PlannedMail], smtp_server: SmtpServer,
        flaky: tuple[FaultProxy, FaultProxy]) -> None:
    arriving = [mixed_mails[0], mixed_mails[1], mixed_mails[3]]  # complete, missing photos, deeds in the body
    account = _account(dovecot, [])
    imap, smtp = flaky
    installation = _service(tmp_path / "svc", account, smtp_server, imap, smtp)
    log = tmp_path / "daemon.log"
    daemon = installation.start("run", log=log)
    try:
        _wait(lambda: imap.connections >= 1 and installation.db_path.exists(), "the daemon connected")
        time.sleep(1.5)  # first cycle done: the daemon waits in IDLE
        assert imap.cut() >= 1
        imap.down = smtp.down = True  # an outage: every new connection is refused
        deliver_imap(account, arriving)
        time.sleep(3)
        imap.down = smtp.down = False
        seconds = _wait(lambda: _settled(installation, len(arriving)) and len(smtp_server.messages) >= 3,
                        "the mail that came during the outage answered")
    finally:
        text = _stop(daemon, log)
    assert "Traceback" not in text
    assert installation.db("select count(*), count(distinct uid) from emails") == [(3, 3)]
    assert sorted(to for m in smtp_server.messages for to in m.rcpt_tos) == sorted(m.sender for m in arriving)
    assert len(set(captured_ids(smtp_server))) == len(smtp_server.messages) == 3
    figures.add("network", faults=1 + len(imap.injected) + len(smtp.injected), mails=len(arriving), mails_lost=0,
                duplicate_processing=0, extra_reply_copies=0)
    figures.most("network", seconds_to_recover_from_outage=round(seconds, 1))
