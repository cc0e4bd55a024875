"""``[performance] workers``: stored mails parsed and read in worker processes ahead of their turn
(``shenbao.service.parallel``) give exactly the register, the outbox and the reply order that one
process gives, over the crash suite's real IMAP mailbox of mixed mail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.harness import captured_ids, deliver_folder, install
from tests.reliability.mixed import PlannedMail
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer


@pytest.mark.parametrize("workers", [2, 4])
def test_mails_read_by_workers_give_the_register_and_reply_order_of_one_process(
        tmp_path: Path, mixed_imap: tuple[ImapAccount, list[PlannedMail]], smtp_server: SmtpServer, workers: int) -> None:
    """GIVEN the mixed mailbox  WHEN ``run --once`` reads it with 1 and with N workers
    THEN the snapshots (export, outbox, stored files) are equal and the replies went out in the same order
    (and the N workers did read them: the mailbox is more than enough mail to start them)."""
    account, mails = mixed_imap
    one = install(tmp_path / "one", account, smtp_server, performance={"workers": 1})
    one.run_once()
    expected, expected_order = one.snapshot(), [m.rcpt_tos for m in smtp_server.messages]
    smtp_server.messages.clear()
    many = install(tmp_path / "many", account, smtp_server, performance={"workers": workers})
    finished = many.run("run", "--once", debug=True)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert f"reading stored mail ahead in {workers} worker processes" in finished.stderr
    assert many.snapshot() == expected
    assert [m.rcpt_tos for m in smtp_server.messages] == expected_order
    assert [e["disposition"] for e in expected["export"]["emails"]] == [m.disposition for m in mails]
    assert len(set(captured_ids(smtp_server))) == sum(m.replied for m in mails)


@pytest.mark.parametrize("count", [1, 2])
def test_a_cycle_over_one_or_two_mails_reads_them_without_starting_the_workers(
        tmp_path: Path, mixed_mails: list[PlannedMail], smtp_server: SmtpServer, count: int) -> None:
    """GIVEN a folder of one or two mails and ``[performance] workers = 2``  WHEN ``run --once``
    THEN every mail is processed in the service's own process: no worker pool is started for so little mail."""
    deliver_folder(tmp_path / "inbox", mixed_mails[:count])
    installation = install(tmp_path / "svc", tmp_path / "inbox", smtp_server, performance={"workers": 2})
    finished = installation.run("run", "--once", debug=True)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "reading stored mail ahead" not in finished.stderr
    assert len(installation.export()["emails"]) == count
