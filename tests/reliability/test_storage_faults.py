"""Disk and database faults: a full disk (a real tmpfs, mounted small by the test) and a register
locked by another program. Each must stop the cycle with one clear line (exit 1, no traceback),
record no mail as an error, leave the register consistent, and lose nothing: once space returns
or the lock is released, the next cycle ends exactly where a run without the fault ends.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.reliability import figures
from tests.reliability.harness import Finished, Installation, captured_ids, finish, install
from tests.reliability.killer import Watch
from tests.reliability.mixed import PlannedMail
from tests.servers_smtp import Captured, SmtpServer

DISK_BYTES = 32 * 1024 * 1024  # the mixed folder's register and files take about 5 MB


@dataclass
class SmallDisk:
    """A tmpfs of its own, filled to the last byte by a ballast file when the test says so: the
    service then meets a real ENOSPC (files) or SQLITE_FULL (register)."""

    path: Path

    def fill(self) -> None:
        try:
            ballast = (self.path / "ballast").open("ab")
        except OSError as error:  # the service's own writes (a LibreOffice profile, say) filled it first
            if error.errno == errno.ENOSPC:
                return
            raise
        with ballast:
            while (free := shutil.disk_usage(self.path).free) > 0:
                try:
                    ballast.write(b"\0" * min(free, 1 << 20))
                    ballast.flush()
                except OSError:
                    return

    def empty(self) -> None:
        (self.path / "ballast").unlink(missing_ok=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    point = tmp_path / "disk"
    point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0755", "shenbao-test", str(point)],
                             capture_output=True, text=True, check=False)
    assert mounted.returncode == 0, ("the disk-full suite mounts a small tmpfs and needs root, as CI and "
                                     f"`./dev test` run: {mounted.stderr.strip()}")
    yield SmallDisk(point)
    subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)  # best effort: tmp_path goes anyway


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, mixed_folder: tuple[Path, list[PlannedMail]]) -> dict[str, Any]:
    """The snapshot of an undisturbed run over the mixed folder, and how many replies it sent."""
    server = SmtpServer().up()
    try:
        installation = install(tmp_path_factory.mktemp("clean"), mixed_folder[0], server)
        installation.run_once()
        return {"snapshot": installation.snapshot(), "replies": len(server.messages)}
    finally:
        server.down()


def assert_clean_stop(finished: Finished, installation: Installation, *words: str) -> None:
    """Exit 1 with one ``error:`` line naming the fault, no traceback, no mail recorded as an error."""
    errors = [line for line in finished.stderr.splitlines() if line.startswith("error:")]
    assert finished.returncode == 1, finished.stderr[-2000:]
    assert "Traceback" not in finished.stderr and len(errors) == 1, finished.stderr[-2000:]
    assert all(word in errors[0] for word in words), errors[0]
    if installation.db_path.exists():
        assert installation.db("pragma integrity_check") == [("ok",)]
    if _has_emails_table(installation):
        assert installation.db("select count(*) from emails where disposition like 'error:%'") == [(0,)]


def _has_emails_table(installation: Installation) -> bool:
    return installation.db_path.exists() and bool(installation.db("select 1 from sqlite_master where name='emails'"))


# When the fault strikes: before the run ("start", the register cannot even be created), or once
# the run has stored / processed / sent that many mails.
DISK_POINTS = [("start", 0), ("stored", 3), ("processed", 5), ("sent", 4)]
SLOW_DISK_POINTS = [(phase, n) for phase in ("stored", "processed", "sent") for n in (1, 6, 11, 14)]


def _disk_points(request: pytest.FixtureRequest) -> list[tuple[str, int]]:
    return DISK_POINTS + (SLOW_DISK_POINTS if request.config.getoption("--runslow") else [])


def test_a_full_disk_stops_the_cycle_cleanly_and_loses_nothing_once_space_returns(
        small_disk: SmallDisk, mixed_folder: tuple[Path, list[PlannedMail]], clean: dict[str, Any],
        smtp_server: SmtpServer, request: pytest.FixtureRequest) -> None:
    extra = 0
    points = _disk_points(request)
    for number, (phase, count) in enumerate(points):
        smtp_server.messages.clear()
        installation = install(small_disk.path / f"run{number}", mixed_folder[0], smtp_server)
        if phase == "start":
            small_disk.fill()
        full = _run_with_fault(installation, smtp_server, phase, count, small_disk.fill)
        assert_clean_stop(full, installation, "full", "nothing was lost")
        small_disk.empty()
        installation.run_once()
        assert installation.snapshot() == clean["snapshot"], f"register differs after a full disk at {phase} {count}"
        copies = Counter(captured_ids(smtp_server))
        assert len(copies) == clean["replies"] and max(copies.values()) <= 2
        extra += sum(copies.values()) - len(copies)
        shutil.rmtree(installation.root)
    figures.add("disk_full", faults=len(points), mails_lost=0, error_dispositions=0, extra_reply_copies=extra,
                **{f"in_{phase}": sum(1 for p, _ in points if p == phase) for phase, _ in points})


class LockHolder:
    """Another program holding the register's write lock (BEGIN EXCLUSIVE) for ``hold`` seconds."""

    def __init__(self, db_path: Path, hold: float) -> None:
        self.db_path, self.hold = db_path, hold
        self.taken, self.released = threading.Event(), threading.Event()

    def take(self) -> None:
        threading.Thread(target=self._hold, daemon=True).start()
        assert self.taken.wait(10), "could not take the register's lock"

    def _hold(self) -> None:
        conn = sqlite3.connect(self.db_path, timeout=10, isolation_level=None)
        try:
            conn.execute("begin exclusive")
            self.taken.set()
            time.sleep(self.hold)
            conn.execute("commit")
        finally:
            conn.close()
            self.released.set()


LOCK_POINTS = [("stored", 4, 2.5), ("processed", 6, 2.5), ("sent", 3, 2.5), ("processed", 6, 0.3)]


@pytest.mark.parametrize(("phase", "count", "hold"), LOCK_POINTS,
                         ids=[f"{p}-{n}-{'stops' if h > 1 else 'waits'}" for p, n, h in LOCK_POINTS])
def test_a_locked_register_waits_then_stops_cleanly_and_the_next_cycle_loses_nothing(
        tmp_path: Path, mixed_folder: tuple[Path, list[PlannedMail]], clean: dict[str, Any], smtp_server: SmtpServer,
        phase: str, count: int, hold: float) -> None:
    """busy_timeout_seconds = 1: a lock held 0.3 s is waited out; one held 2.5 s stops the cycle."""
    installation = install(tmp_path / "svc", mixed_folder[0], smtp_server, storage={"busy_timeout_seconds": 1})
    holder = LockHolder(installation.db_path, hold)
    finished = _run_with_fault(installation, smtp_server, phase, count, holder.take)
    assert holder.released.wait(10)
    if hold < 1:
        assert finished.returncode == 0, finished.stderr[-2000:]
    else:
        assert_clean_stop(finished, installation, "locked by another program", "storage.busy_timeout_seconds")
        installation.run_once()
    assert installation.snapshot() == clean["snapshot"]
    copies = Counter(captured_ids(smtp_server))
    assert len(copies) == clean["replies"] and max(copies.values()) <= 2
    figures.add("database_locked", faults=1, stopped_cycles=int(hold >= 1), mails_lost=0,
                extra_reply_copies=sum(copies.values()) - len(copies))


def _run_with_fault(installation: Installation, smtp: SmtpServer, phase: str, count: int,
                    fault: Callable[[], None]) -> Finished:
    """``run --once``, calling ``fault`` once when the run has ``phase``-d ``count`` mails. A "sent"
    fault strikes inside the SMTP server, before it answers 250 for reply number ``count``."""
    process = installation.start("run", "--once")
    fired = phase == "start"
    if phase == "sent":

        def strike_before_250(_: Captured) -> None:
            if len(smtp.messages) == count:
                fault()

        smtp.on_message = strike_before_250
        fired = True
    watch = Watch(installation.db_path, smtp)
    try:
        while not fired and process.poll() is None:
            if getattr(watch.progress(), phase) >= count:
                fault()
                fired = True
            time.sleep(0.005)
        return finish(process, 60)
    finally:
        smtp.on_message = None
        watch.close()


@pytest.mark.parametrize("command", [("decide", "JZ2021-001", "--accept", "--note", "材料已核对"),
                                     ("paper", "JZ2021-001", "--received")])
def test_a_command_beside_the_daemon_waits_only_as_long_as_the_config_says(
        tmp_path: Path, mixed_folder: tuple[Path, list[PlannedMail]], smtp_server: SmtpServer,
        command: tuple[str, ...]) -> None:
    """GIVEN busy_timeout_seconds = 1 and another program holding the register's lock for 4 s
    WHEN an office command that writes (decide, paper) runs THEN it stops after its 1 s with the one clear
    line naming the key (they used to wait the built-in 10 s and never named the setting)."""
    installation = install(tmp_path / "svc", mixed_folder[0], smtp_server, storage={"busy_timeout_seconds": 1})
    assert installation.run_once().returncode == 0
    holder = LockHolder(installation.db_path, 4)
    holder.take()
    finished = installation.run(*command)
    assert holder.released.wait(10)
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "locked by another program" in finished.stderr and "storage.busy_timeout_seconds" in finished.stderr
