"""``[performance] workers``: stored mails parsed and read in worker processes ahead of their turn
(``shenbao.service.parallel``) give exactly the register, the outbox and the reply order that one
process gives, over the crash suite's real IMAP mailbox of mixed mail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.harness import captured_ids, install
from tests.reliability.mixed import PlannedMail
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer


@pytest.mark.parametrize("workers", [2, 4])
def test_mails_read_by_workers_give_the_register_and_reply_order_of_one_process(
        tmp_path: Path, mixed_imap: tuple[ImapAccount, list[PlannedMail]], smtp_server: SmtpServer, workers: int) -> None:
    """GIVEN the mixed mailbox  WHEN ``run --once`` reads it with 1 and with N workers
    THEN the snapshots (export, outbox, stored files) are equal and the replies went out in the same order."""
    account, mails = mixed_imap
    one = install(tmp_path / "one", account, smtp_server, performance={"workers": 1})
    one.run_once()
    expected, expected_order = one.snapshot(), [m.rcpt_tos for m in smtp_server.messages]
    smtp_server.messages.clear()
    many = install(tmp_path / "many", account, smtp_server, performance={"workers": workers})
    many.run_once()
    assert many.snapshot() == expected
    assert [m.rcpt_tos for m in smtp_server.messages] == expected_order
    assert [e["disposition"] for e in expected["export"]["emails"]] == [m.disposition for m in mails]
    assert len(set(captured_ids(smtp_server))) == sum(m.replied for m in mails)
