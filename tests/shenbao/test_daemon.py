"""The daemon over the loopback Dovecot and aiosmtpd for a simulated campaign day.

Time is injected: a clock the test moves (07:55 → 08:30 → the next morning …) while the daemon
runs for real — IMAP IDLE, SMTP, APScheduler's threads, signals. The digest's check runs every
0.1 s instead of at 08:30 wall time, and the injected clock decides whether it is due; so a day
takes seconds, not a day. The daemon runs on this test's main thread (signals are delivered
there); a driver thread plays the day and ends it with a real SIGTERM.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from openpyxl import load_workbook

from shenbao.config import load_config
from shenbao.service.daemon import Daemon
from shenbao.service.wiring import build_pipeline
from shenbao.samples.build import CST, nomination_email
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer
from tests.shenbao.test_imap_service import STOP_SECONDS, ImapService

ROOT = Path(__file__).resolve().parents[2]
OFFICE = "office@example.com"
UNIT_ADDRESS = "jfqzgh@163.com"
DIGEST = """
[digest]
recipients = ["office@example.com"]
time = "08:30"

[[units]]
name = "解放区总工会"
emails = ["jfqzgh@163.com"]
quota = 2

[[units]]
name = "山阳区总工会"
emails = ["syqzgh@163.com"]
quota = 2
"""


def at(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2021, 4, day, hour, minute, second, tzinfo=CST)


class SimClock:
    """The injected clock: stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now, self._lock = start, threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


class Day:
    def __init__(self, service: ImapService, clock: SimClock) -> None:
        self.service, self.clock = service, clock

    def mails_to(self, address: str) -> list[EmailMessage]:
        return [message_from_bytes(m.data, policy=policy.default) for m in self.service.smtp.messages  # type: ignore[misc]
                if address in m.rcpt_tos]

    def digests(self) -> list[EmailMessage]:
        return self.mails_to(OFFICE)

    def wait_for(self, what: str, condition: Callable[[], bool], seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def deliver(self, scenario: str, candidate: str, moment: datetime) -> None:
        self.clock.set(moment)
        self.service.account.append(nomination_email(scenario, unit="解放区总工会", candidate=candidate, date=moment),
                                    moment)

    def quiet(self, seconds: float = 0.6) -> None:
        """Let the daemon run a while (several digest checks) without anything new."""
        time.sleep(seconds)


def run_daemon(day: Day, scenario: Callable[[Day], None]) -> Daemon:
    """Run the daemon on this (main) thread while ``scenario`` plays on another; re-raise its failure."""
    config = load_config(day.service.config)
    daemon = Daemon(config, build_pipeline(config, day.clock), day.clock, digest_check=IntervalTrigger(seconds=0.1))
    failures: list[BaseException] = []
    signalled: list[float] = []

    def drive() -> None:
        try:
            scenario(day)
            signalled.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGTERM)  # the end of each run: a real SIGTERM
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread below
            failures.append(exc)
            daemon.stop.set()  # a failed scenario must not leave the daemon running

    driver = threading.Thread(target=drive, name="scenario")
    driver.start()
    daemon.run()
    stopped = time.monotonic()
    driver.join(timeout=60)
    if failures:
        raise failures[0]
    assert signalled and stopped - signalled[0] < STOP_SECONDS, "SIGTERM in IDLE did not stop the daemon promptly"
    return daemon


def second_instance(service: ImapService) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shenbao", "--config", str(service.config), "run"],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def day(tmp_path: Path, imap_account: ImapAccount, smtp_server: SmtpServer) -> Day:
    return Day(ImapService(tmp_path, imap_account, smtp_server, extra=DIGEST), SimClock(at(26, 7, 55)))


def first_day(day: Day) -> None:
    day.deliver("complete", "王建国", at(26, 8, 0))
    day.wait_for("the reply to the first mail", lambda: len(day.mails_to(UNIT_ADDRESS)) == 1)
    day.clock.set(at(26, 8, 29, 30))
    day.quiet()
    assert day.digests() == [], "a digest before [digest] time"
    day.clock.set(at(26, 8, 30, 1))
    day.wait_for("the 08:30 digest", lambda: len(day.digests()) == 1)
    day.deliver("missing_photos", "李国强", at(26, 9, 10))
    day.wait_for("the reply to the second mail", lambda: len(day.mails_to(UNIT_ADDRESS)) == 2)
    day.clock.set(at(26, 18, 0))
    day.quiet()
    refused = second_instance(day.service)
    assert refused.returncode == 1
    assert f"already served by pid {os.getpid()}" in refused.stderr and "one shenbao per data_dir" in refused.stderr


def test_a_simulated_day_replies_as_mail_arrives_and_sends_one_digest_at_its_time(
        day: Day, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    daemon = run_daemon(day, first_day)
    assert daemon.stop_signal == signal.SIGTERM and "stopping (SIGTERM)" in caplog.text
    assert "shenbao stopped" in caplog.text
    replies = day.mails_to(UNIT_ADDRESS)
    assert [r["Auto-Submitted"] for r in replies] == ["auto-replied", "auto-replied"]
    assert "[JZ2021-001]" in replies[0]["Subject"] and "[JZ2021-002]" in replies[1]["Subject"]
    [digest] = day.digests()
    assert digest["Auto-Submitted"] == "auto-generated" and "每日汇总" in digest["Subject"]
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "推荐人选 1 名：材料齐全 1 名" in text and "尚未报送材料的单位（1 个）：山阳区总工会" in text
    [sheet] = [p for p in digest.iter_attachments() if p.get_filename().endswith(".xlsx")]
    rows = list(load_workbook(io.BytesIO(sheet.get_content())).worksheets[0].iter_rows(values_only=True))
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("JZ2021-001", "王建国", "材料齐全")]
    assert day.service.db("select count(*) from emails where state = 'processed'") == [(2,)]


def test_a_restart_sends_no_second_digest_and_a_missed_one_exactly_once(day: Day) -> None:
    run_daemon(day, first_day)

    def restarted_same_evening(day: Day) -> None:
        day.clock.set(at(26, 18, 5))
        day.quiet(1.0)
        assert len(day.digests()) == 1, "a restart sent the day's digest again"
        day.clock.set(at(27, 8, 30, 2))
        day.wait_for("the next morning's digest", lambda: len(day.digests()) == 2)
        day.quiet()
        day.service.db("select 1")  # the register is readable while the daemon runs
        assert len(day.digests()) == 2

    run_daemon(day, restarted_same_evening)
    day.clock.set(at(29, 9, 0))  # off through the 28th and the 29th at 08:30

    def after_two_missed_days(day: Day) -> None:
        day.wait_for("the missed digest", lambda: len(day.digests()) == 3)
        day.quiet(1.0)
        assert len(day.digests()) == 3, "the missed digests were sent more than once"

    run_daemon(day, after_two_missed_days)
    subjects = [d["Subject"] for d in day.digests()]
    assert ["4月26日" in subjects[0], "4月27日" in subjects[1], "4月29日" in subjects[2]] == [True, True, True]
    texts = [d.get_body(("plain",)).get_content() for d in day.digests()]  # type: ignore[union-attr]
    assert "自上次汇总（4月26日08:30）以来收到的邮件（1 封）" in texts[1]
    assert "自上次汇总（4月27日08:30）以来收到的邮件（0 封）" in texts[2]
