"""Crash suite: ``run --once`` over a real IMAP mailbox of mixed mail, SIGKILLed at seeded random
points, then restarted normally. After the restart the register must equal a clean run's, every
mail must have exactly one disposition, and no reply may reach its sender more than twice.

Default: 20 trials over 50 mails (two trials at a time, each with its own SMTP server). With
``--runslow``: 100 trials over 84 mails.
"""

from __future__ import annotations

import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import figures
from tests.reliability.harness import captured_ids, install
from tests.reliability.killer import KillPoint, KillRecord, kill_points, run_and_kill
from tests.reliability.mixed import PlannedMail
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer

SEED = 20210430
WORKERS = 2


@dataclass(frozen=True)
class Trial:
    record: KillRecord
    snapshot: dict[str, Any]
    copies: Counter[tuple[str, str]]  # (recipient, Message-ID) -> how many times the SMTP server accepted it

    @property
    def extra_copies(self) -> int:
        return sum(n - 1 for n in self.copies.values())

    def extra_copies_to(self, recipient: str) -> int:
        return sum(n - 1 for (to, _), n in self.copies.items() if to == recipient)


@pytest.fixture(scope="module")
def trials(request: pytest.FixtureRequest) -> int:
    return 100 if request.config.getoption("--runslow") else 20


def _trial(root: Path, account: ImapAccount, smtp: SmtpServer, point: KillPoint) -> Trial:
    smtp.messages.clear()
    installation = install(root, account, smtp)
    record = run_and_kill(installation, smtp, point)
    installation.run_once()
    copies = Counter(zip([m.rcpt_tos[0] for m in smtp.messages], captured_ids(smtp), strict=True))
    trial = Trial(record, installation.snapshot(), copies)
    shutil.rmtree(root)
    return trial


def _lane(tmp: Path, account: ImapAccount, smtp: SmtpServer, points: list[tuple[int, KillPoint]]) -> list[Trial]:
    return [_trial(tmp / f"trial{n}", account, smtp, point) for n, point in points]


def _run_trials(tmp: Path, account: ImapAccount, points: list[KillPoint]) -> list[Trial]:
    """The trials on WORKERS lanes at once, each lane with its own SMTP server."""
    servers = [SmtpServer().up() for _ in range(WORKERS)]
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            lanes = [pool.submit(_lane, tmp, account, servers[lane],
                                 [(n, point) for n, point in enumerate(points) if n % WORKERS == lane])
                     for lane in range(WORKERS)]
            return [trial for lane in lanes for trial in lane.result()]
    finally:
        for server in servers:
            server.down()


@pytest.mark.timeout(3600)  # the --runslow variant: 100 trials
def test_sigkill_at_random_points_then_restart_loses_and_repeats_nothing(
        tmp_path: Path, mixed_imap: tuple[ImapAccount, list[PlannedMail]], trials: int, smtp_server: SmtpServer) -> None:
    account, mails = mixed_imap
    clean_install = install(tmp_path / "clean", account, smtp_server)
    clean_run = clean_install.run_once()
    clean = clean_install.snapshot()
    assert [e["disposition"] for e in clean["export"]["emails"]] == [m.disposition for m in mails]
    clean_replies = sorted(captured_ids(smtp_server))
    assert len(clean_replies) == sum(m.replied for m in mails) == len(set(clean_replies))

    points = kill_points(SEED, trials, mails=len(mails), replies=len(clean_replies),
                         clean_seconds=clean_run.seconds)
    done = _run_trials(tmp_path, account, points)

    for trial in done:
        assert trial.snapshot == clean, f"register differs after a kill at {trial.record}"
        assert len(trial.copies) == len(clean_replies), f"a reply was lost after a kill at {trial.record}"
        assert trial.extra_copies <= 1, f"{trial.extra_copies} extra copies after a kill at {trial.record}"
        assert all(trial.extra_copies_to(to) <= 1 for to, _ in trial.copies)
    figures.kill_trials("crash", done, len(mails), least_killed=len(points) * 9 // 10)
