"""The reliability suites print what they measured at the end of the run (see figures.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability import figures
from tests.reliability.harness import deliver_folder, deliver_imap
from tests.reliability.mixed import PlannedMail, mixed_mailbox
from tests.servers_imap import DovecotServer, ImapAccount


@pytest.fixture(scope="session")
def mixed_mails(request: pytest.FixtureRequest) -> list[PlannedMail]:
    """The mixed mailbox (see mixed.py): 50 mails, 84 with --runslow."""
    return mixed_mailbox(84 if request.config.getoption("--runslow") else 50)


@pytest.fixture(scope="session")
def mixed_imap(dovecot: DovecotServer, mixed_mails: list[PlannedMail]) -> tuple[ImapAccount, list[PlannedMail]]:
    """A Dovecot INBOX holding the mixed mailbox. The service only reads it, so every test
    installs a fresh register over the same INBOX."""
    account = dovecot.add_user()
    deliver_imap(account, mixed_mails)
    return account, mixed_mails


@pytest.fixture(scope="session")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory, mixed_mails: list[PlannedMail]) -> tuple[Path, list[PlannedMail]]:
    """The first 20 mixed mails as a folder mailbox (every scenario, fewer rounds), read-only too."""
    folder = tmp_path_factory.mktemp("mixed-folder")
    deliver_folder(folder, mixed_mails[:20])
    return folder, mixed_mails[:20]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not figures.FIGURES:
        return
    terminalreporter.section("reliability figures")
    terminalreporter.write_line(f"{figures.machine()}")
    for line in figures.lines():
        terminalreporter.write_line(line)
    target = os.environ.get("SHENBAO_FIGURES")
    if target:
        figures.write(Path(target))
        terminalreporter.write_line(f"written to {target}")
