"""A service start does not take over replies another process is sending (issue 18).

``digest --send`` and ``reevaluate --notify`` send under their own process, beside the service.
Here the SMTP server is slow (it takes each message, then waits before saying "250"), and while
such a command's mail hangs there, ``run --once`` starts in a second process: its recovery must
leave the live claim alone (owner and lease, shenbao/replies/claims.py), so each message arrives once.
Two real processes, real aiosmtpd, real SQLite.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.reliability import figures
from tests.reliability.harness import Installation, Table, captured_ids, deliver_folder, finish, smtp_table
from tests.reliability.hostile import SENDER, SENT, UNIT
from tests.reliability.mixed import PlannedMail, _material
from tests.servers_smtp import SmtpServer
from shenbao.samples.build import build_email

SLOW_SECONDS = 12.0  # how long the server sits on each message of the racing command before its "250"
OFFICE = "office@example.com"


def _configure(installation: Installation, folder: Path, smtp: SmtpServer, **tables: Table) -> None:
    """A folder mailbox; an SMTP timeout longer than the slow server's wait."""
    installation.configure({"kind": "folder", "path": str(folder)}, smtp_table(smtp, timeout_seconds=30),
                           digest={"recipients": [OFFICE]}, **tables)


def _installation(tmp_path: Path, smtp: SmtpServer) -> Installation:
    raw = build_email(from_addr=SENDER, from_name=UNIT, subject="推荐材料-赵海燕", text="推荐材料请查收。",
                      attachments=_material("赵海燕", UNIT, 1), date=SENT)
    folder = tmp_path / "mailbox"
    deliver_folder(folder, [PlannedMail(0, "complete", SENDER, raw, SENT + timedelta(minutes=1), "")])
    installation = Installation(tmp_path / "svc")
    _configure(installation, folder, smtp)
    installation.run_once()  # the nomination is in, its reply sent
    return installation


@pytest.mark.parametrize("command", [("digest", "--send"), ("reevaluate", "--notify")])
def test_run_once_starting_while_another_process_sends_leaves_its_claim_alone(
        tmp_path: Path, smtp_server: SmtpServer, command: tuple[str, ...]) -> None:
    installation = _installation(tmp_path, smtp_server)
    if command[0] == "reevaluate":  # a stricter rule: the complete nomination's checklist changes
        _configure(installation, tmp_path / "mailbox", smtp_server, rules__deeds={"min_chars": 99_999})
    before = len(smtp_server.messages)
    smtp_server.slow = lambda message: SLOW_SECONDS
    racing = installation.start(*command)
    deadline = time.monotonic() + 60
    while len(smtp_server.messages) == before and time.monotonic() < deadline:
        time.sleep(0.05)  # until the server holds the command's message, unanswered
    assert len(smtp_server.messages) == before + 1, "the command never reached the server"
    started = time.monotonic()
    service = installation.run("run", "--once", timeout=60)
    raced = time.monotonic() - started < SLOW_SECONDS  # the whole run happened while the message hung
    assert service.returncode == 0, service.stderr[-2000:]
    done = finish(racing, 90)
    assert done.returncode == 0, done.stderr[-2000:]
    copies = Counter(captured_ids(smtp_server)[before:])
    assert raced and list(copies.values()) == [1], copies
    assert installation.db("select state, claimed_by, lease_until from replies where state != 'sent'") == []
    figures.add("in-flight", races=1, messages=len(copies), duplicates=sum(copies.values()) - len(copies))
