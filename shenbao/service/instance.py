"""One service per mailbox: a lock file on SQLite, a lease in the register where it is shared.

A SQLite register lives on one machine: ``instance_lock`` (an ``flock`` on ``data_dir/shenbao.lock``)
keeps a second ``shenbao run`` on that data_dir out. A PostgreSQL register may be served by several
instances on several hosts, each polling its own mailbox; there ``instance_guard`` takes the lease
named after the mailbox (table ``leases``) by a compare-and-set, renews it from a thread every
``RENEW_SECONDS`` and gives it up on exit. A second instance for the same mailbox is refused while
the lease runs, with the holder named; it may take over once the lease has expired (the holder's
host died or hung) or at once when the holder is known gone (same host, its process no longer runs).
An instance that finds its lease taken by another stops (``on_lost``): never two pollers of one mailbox.
Leases run on the machine's clock (as outbox claims, ``shenbao.replies.claims``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from shenbao.errors import EXPECTED, StoreError
from shenbao.replies.claims import machine_now, owner_gone, owner_id
from shenbao.store.db import Store, utc_iso
from shenbao.store.models import Lease

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(minutes=2)  # a crashed host's mailbox is taken over after at most this
RENEW_SECONDS = 30.0


@contextmanager
def instance_lock(data_dir: Path) -> Iterator[IO[str]]:
    """One running service per data_dir; a second one gets a clear error, not a shared register."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "shenbao.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise StoreError(f"{data_dir}: already served by {holder} (stop it first; one shenbao per data_dir)") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    try:
        yield handle
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def take_lease(store: Store, name: str, owner: str, now: datetime) -> Lease | None:
    """Take or renew the lease ``name`` for ``owner``; None when it is ours now, else the holder's
    lease (a live owner whose lease has not expired)."""
    until = utc_iso(now + LEASE_TTL)
    with store.session() as s:
        row = s.get(Lease, name)
        if row is None:
            s.add(Lease(name=name, owner=owner, lease_until=until, since=utc_iso(now)))
            try:
                s.commit()
                return None
            except IntegrityError:  # another instance took it at this moment
                s.rollback()
                return s.get(Lease, name)
        if row.owner != owner and row.lease_until > utc_iso(now) and not owner_gone(row.owner):
            return row
        previous_owner, previous_until = row.owner, row.lease_until
        since = row.since if row.owner == owner else utc_iso(now)
        s.expunge(row)
        taken = s.exec(update(Lease).where(col(Lease.name) == name, col(Lease.owner) == previous_owner,
                                           col(Lease.lease_until) == previous_until)
                       .values(owner=owner, lease_until=until, since=since))
        s.commit()
        return None if taken.rowcount == 1 else s.get(Lease, name)


def drop_lease(store: Store, name: str, owner: str) -> None:
    with store.session() as s:
        s.exec(delete(Lease).where(col(Lease.name) == name, col(Lease.owner) == owner))
        s.commit()


class LeaseRenewer(threading.Thread):
    """Renews a lease every ``every`` seconds; calls ``on_lost`` once if another instance took it."""

    def __init__(self, store: Store, name: str, owner: str, on_lost: Callable[[], None], every: float) -> None:
        super().__init__(name=f"lease {name}", daemon=True)
        self.store, self.lease, self.owner, self.on_lost, self.every = store, name, owner, on_lost, every
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            try:
                holder = take_lease(self.store, self.lease, self.owner, machine_now())
            except EXPECTED as exc:  # the database is unreachable for a moment: try again next time
                log.warning("cannot renew the lease on %s: %s", self.lease, exc)
                continue
            if holder is not None:
                log.error("the lease on %s was taken by %s: stopping (never two pollers of one mailbox)",
                          self.lease, holder.owner)
                self.on_lost()
                return


@contextmanager
def instance_guard(data_dir: Path, store: Store, mailbox: str, on_lost: Callable[[], None] = lambda: None,
                   renew_seconds: float = RENEW_SECONDS) -> Iterator[None]:
    """The service's right to run: the data_dir's lock file on SQLite, the mailbox's lease elsewhere."""
    if store.engine.dialect.name == "sqlite":
        with instance_lock(data_dir):
            yield
        return
    name, me = f"mailbox {mailbox}", owner_id()
    holder = take_lease(store, name, me, machine_now())
    if holder is not None:
        raise StoreError(f"{mailbox}: already served by {holder.owner} (lease until {holder.lease_until}); "
                         "one shenbao per mailbox on a shared register: this one may take over when that lease expires")
    renewer = LeaseRenewer(store, name, me, on_lost, renew_seconds)
    renewer.start()
    try:
        yield
    finally:
        renewer.done.set()
        renewer.join()
        try:
            drop_lease(store, name, me)
        except EXPECTED as exc:
            log.warning("cannot give up the lease on %s (it expires by itself): %s", name, exc)
