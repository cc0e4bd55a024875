"""Bounces that do not say so in their headers (a broken From, only a bounce subject) through `run --once`:
recorded as ignored, never answered, and a bounce of one of our replies marks that reply bounced."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from shenbao.samples.build import CST, nomination_email
from tests.shenbao.conftest import Service

pytestmark = pytest.mark.both_databases  # the store, intake, outbox and digest on SQLite and PostgreSQL

WHEN = datetime(2021, 4, 26, 10, 0, tzinfo=CST)
ISSUE_462 = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "realworld" / "php-imap" / "issue-462.eml"
BROKEN_FROM = '"postmaster@" <sending_domain.tld postmaster@sending_domain.tld>'


def bounce(subject: str, body: str = "Test message", from_line: str = BROKEN_FROM) -> bytes:
    """The shape of php-imap's issue-462.eml: a From whose address has a host name before it."""
    return "\r\n".join([f"From: {from_line}", "To: jzghxjb@163.com", f"Subject: {subject}", "", body, ""]).encode()


def _replies(service: Service) -> list[tuple[str, str]]:
    return service.sql("SELECT to_addr, state FROM replies ORDER BY id")


CASES = [pytest.param(bounce("Undeliverable: Some subject"), id="generated-issue-462"),
         pytest.param(bounce("推荐材料"), id="broken-from-only"),
         pytest.param(bounce("系统退信", from_line="解放区总工会 <jfqzgh@163.com>"), id="bounce-subject-only")]
if ISSUE_462.exists():
    CASES.append(pytest.param(ISSUE_462.read_bytes(), id="php-imap-issue-462"))


@pytest.mark.parametrize("raw", CASES)
def test_a_bounce_without_bounce_headers_is_ignored_and_not_answered(service: Service, raw: bytes) -> None:
    service.deliver("bounce.eml", raw, WHEN)
    service.run_once()
    [email] = service.export()["emails"]
    assert email["disposition"] in ("ignored:bounce-subject", "ignored:robot-sender") and not email["replied"]
    assert _replies(service) == [] and service.replies() == []


def test_a_bounce_of_our_reply_with_a_broken_from_marks_that_reply_bounced(service: Service) -> None:
    service.deliver("1.eml", nomination_email("missing_photos", unit="解放区总工会", candidate="王建国"), WHEN)
    service.run_once()
    [ours] = service.replies()
    text = f"Your message could not be delivered.\r\n\r\nMessage-ID: {ours['Message-ID']}\r\nSubject: 回执"
    service.deliver("2.eml", bounce("推荐材料", text), WHEN)
    service.run_once()
    assert service.export()["emails"][-1]["disposition"] == "ignored:bounce-of-our-reply"
    assert [state for _, state in _replies(service)] == ["bounced"]
