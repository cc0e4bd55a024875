"""The service over the real transports: a loopback Dovecot mailbox and a loopback aiosmtpd server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from shenbao.cli import cli
from shenbao.samples.build import CST, KINDS, build_email, nomination_email
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 8.0  # SIGTERM to exit: at most one IDLE slice (5 s), its DONE and the wind-down


class ImapService:
    def __init__(self, root: Path, account: ImapAccount, smtp: SmtpServer, extra: str = "",
                 folder: str = "INBOX", poll_seconds: int = 1) -> None:
        self.root, self.account, self.smtp = root, account, smtp
        self.config = root / "config.toml"
        self.config.write_text(f"""\
[mailbox]
kind = "imap"
host = "{account.host}"
port = {account.port}
ssl = false
username = "{account.user}"
password_env = "TEST_IMAP_PASSWORD"
folder = "{folder}"
poll_interval_seconds = {poll_seconds}
timeout_seconds = 10

[smtp]
kind = "smtp"
host = "127.0.0.1"
port = {smtp.port}
ssl = false
starttls = false
from_address = "jzghxjb@163.com"
timeout_seconds = 5

[ocr]  # OCR is tested in tests/shenbao/test_ocr_intake.py
enabled = false

[storage]
database_url = "sqlite:///var/shenbao.db"
data_dir = "var/data"
{extra}""", encoding="utf-8")
        os.environ["TEST_IMAP_PASSWORD"] = account.password

    def cli(self, *args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args], obj={}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def export(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.cli("export", "--format", "json"))
        return data

    def replies(self) -> list[Any]:
        return [message_from_bytes(m.data, policy=policy.default) for m in self.smtp.messages]

    def db(self, sql: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.root / "var" / "shenbao.db") as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def imap_service(tmp_path: Path, imap_account: ImapAccount, smtp_server: SmtpServer) -> ImapService:
    return ImapService(tmp_path, imap_account, smtp_server)


def deliver(service: ImapService, scenario: str, candidate: str, arrived: datetime | None = None,
            folder: str = "INBOX") -> bytes:
    raw = nomination_email(scenario, unit="解放区总工会", candidate=candidate)
    service.account.append(raw, arrived or KINDS[scenario] + timedelta(seconds=20), folder)
    return raw


def test_run_once_ingests_the_inbox_replies_by_smtp_and_then_has_nothing_new(imap_service: ImapService) -> None:
    for index, scenario in enumerate(["complete", "missing_photos", "autoreply"]):
        deliver(imap_service, scenario, f"候选人{index}")
    assert imap_service.cli("run", "--once") == "fetched 3, processed 3, errors 0, replies sent 2, failed 0\n"
    assert imap_service.cli("run", "--once") == "fetched 0, processed 0, errors 0, replies sent 0, failed 0\n"
    data = imap_service.export()
    assert [(s["candidate"], s["status"]) for s in data["submissions"]] == [("候选人0", "complete"),
                                                                           ("候选人1", "incomplete")]
    assert [m.rcpt_tos for m in imap_service.smtp.messages] == [("jfqzgh@163.com",), ("jfqzgh@163.com",)]
    assert all(m.mail_from == "jzghxjb@163.com" for m in imap_service.smtp.messages)
    assert all(b"\\Seen" not in flags for flags in imap_service.account.flags().values())


def test_lateness_follows_internaldate_not_the_date_header(imap_service: ImapService) -> None:
    deliver(imap_service, "complete", "王建国", arrived=datetime(2021, 5, 1, 0, 0, 5, tzinfo=CST))
    imap_service.cli("run", "--once")
    [sub] = imap_service.export()["submissions"]
    assert (sub["status"], sub["problems"], sub["received_at"]) == ("late", ["deadline.late"], "2021-05-01T00:00:05+08:00")


def test_smtp_down_then_up_delivers_each_reply_once(imap_service: ImapService) -> None:
    deliver(imap_service, "complete", "王建国")
    imap_service.smtp.down()
    assert imap_service.cli("run", "--once") == "fetched 1, processed 1, errors 0, replies sent 0, failed 0\n"
    assert imap_service.db("select state, attempts from replies") == [("pending", 1)]
    imap_service.smtp.up()
    imap_service.db("update replies set next_attempt_at = ''")  # the backoff has passed
    imap_service.cli("run", "--once")
    imap_service.cli("run", "--once")
    assert len(imap_service.smtp.messages) == 1
    assert imap_service.db("select state, attempts from replies") == [("sent", 2)]


def test_a_permanent_rejection_is_recorded_and_not_retried(imap_service: ImapService) -> None:
    deliver(imap_service, "complete", "王建国")
    imap_service.smtp.behaviour = "reject"
    assert imap_service.cli("run", "--once").endswith("replies sent 0, failed 1\n")
    imap_service.cli("run", "--once")
    [(state, attempts, error)] = imap_service.db("select state, attempts, last_error from replies")
    assert (state, attempts) == ("failed", 1) and "550" in error and "DT:SPM" in error
    assert imap_service.export()["emails"][0]["replied"] is False


def test_a_crash_between_sending_and_recording_repeats_the_reply_at_most_once(imap_service: ImapService) -> None:
    """GIVEN a reply handed to the server when the process died (state still 'sending')
    WHEN the service restarts THEN it is sent once more, and never again."""
    deliver(imap_service, "complete", "王建国")
    imap_service.cli("run", "--once")
    imap_service.db("update replies set state = 'sending'")  # the crash: sent, not yet recorded
    imap_service.cli("run", "--once")
    imap_service.cli("run", "--once")
    assert len(imap_service.smtp.messages) == 2
    assert imap_service.db("select state from replies") == [("sent",)]


def test_a_bounce_of_our_own_reply_is_recognised_and_never_answered(imap_service: ImapService) -> None:
    deliver(imap_service, "complete", "王建国")
    imap_service.cli("run", "--once")
    [reply] = imap_service.replies()
    bounce = build_email(
        from_addr="postmaster@163.com", from_name="Mail Delivery", subject="系统退信",
        text=f"Your message could not be delivered.\r\nMessage-ID: {reply['Message-ID']}\r\n", attachments=[],
        extra_headers={"Auto-Submitted": "auto-replied"}, date=datetime(2021, 4, 26, 11, 0, tzinfo=CST))
    imap_service.account.append(bounce, datetime(2021, 4, 26, 11, 0, tzinfo=CST))
    imap_service.cli("run", "--once")
    assert imap_service.db("select state from replies") == [("bounced",)]
    assert len(imap_service.smtp.messages) == 1
    assert imap_service.export()["emails"][1]["disposition"].startswith("ignored:")


def test_a_uidvalidity_reset_neither_skips_nor_repeats(tmp_path: Path, imap_account: ImapAccount,
                                                       smtp_server: SmtpServer) -> None:
    """GIVEN two processed mails WHEN the folder's UIDVALIDITY changes and they come back under new UIDs
    beside a new one THEN only the new one is processed and answered."""
    service = ImapService(tmp_path, imap_account, smtp_server, folder="推荐材料")
    first = [deliver(service, "complete", name, folder="推荐材料") for name in ("甲", "乙")]
    assert service.cli("run", "--once").startswith("fetched 2, processed 2")
    imap_account.reset_uidvalidity("推荐材料")
    for raw in first:
        imap_account.append(raw, KINDS["complete"], "推荐材料")
    deliver(service, "missing_photos", "丙", folder="推荐材料")
    assert service.cli("run", "--once") == "fetched 1, processed 1, errors 0, replies sent 1, failed 0\n"
    assert service.cli("run", "--once").startswith("fetched 0, processed 0")
    assert [s["candidate"] for s in service.export()["submissions"]] == ["甲", "乙", "丙"]
    assert len(smtp_server.messages) == 3


def test_the_daemon_answers_a_newly_appended_mail_without_restart(tmp_path: Path, imap_account: ImapAccount,
                                                                 smtp_server: SmtpServer) -> None:
    """With a 5-minute poll interval, only IMAP IDLE can make the reply go out within seconds."""
    imap_service = ImapService(tmp_path, imap_account, smtp_server, poll_seconds=300)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "shenbao", "--config", str(imap_service.config), "run"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)
        deliver(imap_service, "complete", "王建国", arrived=datetime.now(CST) - timedelta(days=2000))
        appended = time.monotonic()
        while not imap_service.smtp.messages and time.monotonic() < appended + 30 and process.poll() is None:
            time.sleep(0.2)
        latency = time.monotonic() - appended
        assert len(imap_service.smtp.messages) == 1, process.stderr.read1().decode() if process.poll() else ""
        assert latency < 15, f"the reply took {latency:.1f}s: IDLE did not wake the daemon"
    finally:
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        _, stderr = process.communicate(timeout=30)
    stopped = time.monotonic() - signalled
    assert process.returncode == 0, stderr.decode()
    assert stopped < STOP_SECONDS, f"SIGTERM in IDLE took {stopped:.1f}s to stop the daemon"
