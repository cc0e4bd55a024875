"""Crash suite, two instances: two ``run --once`` processes fill one PostgreSQL register from two
mailboxes (disjoint rounds of the mixed mail, tests/reliability/instances.py) at the same time;
one of them is SIGKILLed at a seeded random point (a moment, after k of its mails stored, after
k processed, inside SMTP after its server took reply k), the other carries on, then the killed one
is restarted. The register must equal an undisturbed pair's, every mail one disposition, every
reply delivered, at most one extra copy per reply.

Default: 4 trials (one per phase) over the 50 mixed mails. With ``--runslow``: 40 over 84.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability import figures
from tests.reliability.harness import Finished, captured_ids, deliver_imap
from tests.reliability.instances import PgWatch, SharedInstallation, mailbox_name, pair, pair_snapshot, references, \
    split_rounds
from tests.reliability.killer import KillPoint, KillRecord, kill_points, run_and_kill
from tests.reliability.mixed import PlannedMail
from tests.servers_imap import DovecotServer, ImapAccount
from tests.servers_postgres import PostgresServer
from tests.servers_smtp import SmtpServer

SEED = 20210501
Accounts = tuple[ImapAccount, ImapAccount]


@pytest.fixture(scope="module")
def two_mailboxes(dovecot: DovecotServer, mixed_mails: list[PlannedMail]) -> tuple[Accounts, list[PlannedMail]]:
    """Two Dovecot INBOXes holding the even and the odd rounds of the mixed mail (read only)."""
    accounts = (dovecot.add_user(), dovecot.add_user())
    for account, mails in zip(accounts, split_rounds(mixed_mails), strict=True):
        deliver_imap(account, mails)
    return accounts, mixed_mails


@pytest.fixture
def servers() -> Iterator[tuple[SmtpServer, SmtpServer]]:
    up = (SmtpServer().up(), SmtpServer().up())
    yield up
    for server in up:
        server.down()


@dataclass(frozen=True)
class PairTrial:
    victim: int  # which instance was killed: 0 ("a") or 1 ("b")
    record: KillRecord
    snapshot: dict[str, object]
    copies: Counter[tuple[str, str]]  # (recipient, Message-ID) -> copies accepted by either server
    references: list[int]

    @property
    def extra_copies(self) -> int:
        return sum(n - 1 for n in self.copies.values())


def _copies(servers: tuple[SmtpServer, SmtpServer]) -> Counter[tuple[str, str]]:
    return Counter((m.rcpt_tos[0], mid) for server in servers for m, mid in
                   zip(server.messages, captured_ids(server), strict=True))


def _trial(root: Path, postgres: PostgresServer, accounts: Accounts, servers: tuple[SmtpServer, SmtpServer],
           victim: int, point: KillPoint) -> PairTrial:
    for server in servers:
        server.messages.clear()
    url = postgres.new_database()
    try:
        instances = pair(root, url, accounts, servers)
        killed, other = instances[victim], instances[1 - victim]
        watch = PgWatch(url, mailbox_name(accounts[victim]), servers[victim])
        with ThreadPoolExecutor(1) as pool:
            carrying_on = pool.submit(other.run_once)
            record = run_and_kill(killed, servers[victim], point, watch=watch)
            carrying_on.result()
        killed.run_once()  # the restart
        return PairTrial(victim, record, pair_snapshot(killed), _copies(servers), references(killed))
    finally:
        postgres.drop_database(url)
        shutil.rmtree(root, ignore_errors=True)


def _clean(root: Path, postgres: PostgresServer, accounts: Accounts,
           servers: tuple[SmtpServer, SmtpServer]) -> tuple[dict[str, object], list[Finished], list[int]]:
    url = postgres.new_database()
    try:
        a, b = pair(root, url, accounts, servers)
        with ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(SharedInstallation.run_once, (a, b)))
        return pair_snapshot(a), runs, references(a)
    finally:
        postgres.drop_database(url)


@pytest.mark.timeout(3600)  # the --runslow variant: 40 trials
def test_two_instances_on_one_postgresql_one_sigkilled_at_random_points_lose_and_repeat_nothing(
        tmp_path: Path, postgres: PostgresServer, two_mailboxes: tuple[Accounts, list[PlannedMail]],
        servers: tuple[SmtpServer, SmtpServer], request: pytest.FixtureRequest) -> None:
    accounts, mails = two_mailboxes
    clean, runs, clean_refs = _clean(tmp_path / "clean", postgres, accounts, servers)
    assert Counter(e["disposition"] for e in clean["emails"]) == Counter(m.disposition for m in mails)  # type: ignore[attr-defined]
    clean_replies = _copies(servers)
    assert sum(clean_replies.values()) == len(clean_replies) == sum(m.replied for m in mails)
    assert clean_refs == list(range(1, len(clean_refs) + 1))  # no gap in the references
    per_instance = min(len(server.messages) for server in servers)
    count = 40 if request.config.getoption("--runslow") else 4
    points = kill_points(SEED, count, mails=len(mails) // 2, replies=max(2, per_instance),
                         clean_seconds=max(run.seconds for run in runs))
    done = [_trial(tmp_path / f"trial{n}", postgres, accounts, servers, (n + n // 4) % 2, point)
            for n, point in enumerate(points)]

    for trial in done:
        where = f"instance {'ab'[trial.victim]} killed at {trial.record}"
        assert trial.snapshot == clean, f"register differs after {where}"
        assert len(trial.copies) == len(clean_replies), f"a reply was lost or added after {where}"
        assert max(trial.copies.values()) <= 2, f"a reply arrived three times after {where}"
        assert trial.references == clean_refs, f"references {trial.references} after {where}"
    figures.kill_trials("crash_two_instances", done, len(mails), least_killed=len(points) * 3 // 4)
