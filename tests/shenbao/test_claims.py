"""Outbox claims carry their owner (host/pid/start time) and a lease: recovery takes back only the
claims whose owner is gone or whose lease expired (shenbao/replies/claims.py, outbox.recover_interrupted),
and a register of schema 2 is upgraded to 3 with its ownerless claims taken back as before."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from shenbao.replies.claims import LEASE, machine_now, owner_gone, owner_id
from shenbao.store.models import SCHEMA_VERSION, Reply
from shenbao.replies.outbox import recover_interrupted
from shenbao.store.db import Store, utc_iso

HOST = socket.gethostname()


@pytest.fixture
def live() -> Iterator[subprocess.Popen[bytes]]:
    """Another process that is alive for the test."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _start(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[19].decode()


def _owners(live_pid: int) -> dict[str, tuple[str, str]]:
    """Claim name -> (claimed_by, lease_until)."""
    valid, expired = utc_iso(machine_now() + LEASE), utc_iso(machine_now() - timedelta(seconds=1))
    me = owner_id()
    return {
        "this process, lease valid": (me, valid),
        "a live process, lease valid": (f"{HOST}/{live_pid}/{_start(live_pid)}", valid),
        "another host, lease valid": (f"elsewhere/{live_pid}/1", valid),
        "a dead process, lease valid": (f"{HOST}/{_dead_pid()}/1", valid),
        "a recycled pid (another start time), lease valid": (f"{HOST}/{live_pid}/1", valid),
        "a live process, lease expired": (me, expired),
        "no owner (schema 2)": ("", ""),
    }


TAKEN_BACK = {"a dead process, lease valid", "a recycled pid (another start time), lease valid",
              "a live process, lease expired", "no owner (schema 2)"}


@pytest.mark.both_databases
def test_only_claims_of_gone_owners_or_expired_leases_are_taken_back(tmp_path: Path, database_url: str,
                                                                     live: subprocess.Popen[bytes]) -> None:
    store = Store(database_url or f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data")
    owners = _owners(live.pid)
    with store.session() as s:
        for name, (owner, lease) in owners.items():
            s.add(Reply(to_addr="a@b.c", kind="incomplete", subject=name, raw=b"x", state="sending",
                        claimed_by=owner, lease_until=lease))
        s.commit()
    assert recover_interrupted(store) == len(TAKEN_BACK)
    with store.session() as s:
        states = {r.subject: r.state for r in s.exec(select(Reply))}
    assert {name for name, state in states.items() if state == "pending"} == TAKEN_BACK
    assert recover_interrupted(store) == 0


def test_owner_gone_reads_the_owner_string() -> None:
    assert not owner_gone(owner_id())
    assert owner_gone("") and owner_gone("garbage") and owner_gone(f"{HOST}/{_dead_pid()}/1")


def test_a_schema_2_register_gains_the_claim_columns_and_its_sending_replies_are_taken_back(tmp_path: Path) -> None:
    url, data = f"sqlite:///{tmp_path}/db.sqlite", tmp_path / "data"
    Store(url, data)
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        conn.execute("alter table replies drop column claimed_by")
        conn.execute("alter table replies drop column lease_until")
        conn.execute("drop index ix_submissions_campaign")
        conn.execute("alter table submissions drop column campaign")
        conn.execute("drop index ix_emails_campaign")
        conn.execute("alter table emails drop column campaign")
        conn.execute("update meta set value = '2' where key = 'schema_version'")
        conn.execute("insert into replies (to_addr, kind, subject, message_id, raw, state, attempts, next_attempt_at, "
                     "last_error, created_at, sent_at, told) values ('a@b.c', 'incomplete', '', '', x'00', 'sending', "
                     "1, '', '', '', '', '{}')")
    store = Store(url, data)
    assert recover_interrupted(store) == 1
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:
        assert conn.execute("select value from meta where key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
        assert conn.execute("select state, claimed_by, lease_until from replies").fetchall() == [("pending", "", "")]
