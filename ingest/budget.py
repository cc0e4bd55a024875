"""Readers of untrusted bytes under a CPU-time budget, in worker processes.

A crafted file can make a parser take hours (python-docx's merged-cell walk, PDF page trees that
loop, forms that draw each other). ``BudgetPool.call`` runs one reading in a worker process and
gives the worker ``seconds`` of CPU for it: ``cpu_budget`` sets the worker's RLIMIT_CPU soft limit
that far past what it has used, the kernel sends SIGXCPU when it is reached, and the handler raises
``OverBudget`` (a BaseException, so no reader's ``except Exception`` swallows it); the worker stays
up for the next file. A worker stuck in C code, where no Python handler runs, is killed by the
parent's wall-clock backstop and replaced by a fresh one when next needed. Either way the outcome
is ``failure = "timeout"``, and the caller records its reason; a worker that died otherwise (a
crash in a C extension) is ``failure = "crashed"``.

Workers are fresh interpreters (no locks or threads inherited from the service, no main module run
again; a socket pair, nothing written to disk), each talking over one ``multiprocessing``
connection (pickled messages). A task is any picklable module-level function and its arguments,
so the same pool runs a whole mail's parse and read (``[performance] workers``,
``shenbao.intake.prepare``): called with ``seconds=None`` the function budgets each file itself
inside the worker (``InProcess``), and ``BudgetPool(workers=N)`` hands each call a free worker.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

log = logging.getLogger(__name__)

WALL_FACTOR = 4  # the parent's backstop: a worker gets this many times its CPU budget in wall time ...
WALL_GRACE_SECONDS = 10.0  # ... plus this (a loaded machine, a worker still importing its readers)
START_TIMEOUT_SECONDS = 60.0  # a fresh worker must say "ready" within this
_READY = "ready"


class OverBudget(BaseException):
    """Raised in a worker when the reading in hand used up its CPU budget."""


_armed = False


def _on_xcpu(_signum: int, _frame: FrameType | None) -> None:
    global _armed  # noqa: PLW0603 - the signal handler and cpu_budget share this one flag
    if _armed:
        _armed = False
        raise OverBudget


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """In a worker (SIGXCPU handled by ``_on_xcpu``): raise OverBudget once the block has used
    ``seconds`` of CPU (rounded up to the kernel's whole seconds)."""
    global _armed  # noqa: PLW0603 - the flag the SIGXCPU handler reads
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(_cpu_used() + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    _armed = True
    try:
        yield
    finally:
        _armed = False
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))


def serve(fd: int) -> None:
    """A worker's loop over the socket ``fd``: (function, arguments, seconds) in,
    ("ok" | "timeout" | "error", value) out, until the service closes its end."""
    conn = Connection(fd)
    # What the readers log about a hostile file is noise beside the recorded reason; in the service
    # it went to the log at INFO, here it would reach the service's stderr through logging's last resort.
    logging.getLogger().addHandler(logging.NullHandler())
    logging.getLogger().setLevel(logging.CRITICAL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the service's to handle; EOF ends the worker
    signal.signal(signal.SIGXCPU, _on_xcpu)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    conn.send(_READY)
    while True:
        try:
            func, args, seconds = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if seconds is None:  # the function budgets its own parts (``InProcess``)
                reply: tuple[str, Any] = ("ok", func(*args))
            else:
                with cpu_budget(seconds):
                    reply = ("ok", func(*args))
        except OverBudget:
            reply = ("timeout", None)
        except Exception as exc:  # noqa: BLE001 - the caller records it; the worker goes on
            reply = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    failure: str = ""  # "" | "timeout" (over its budget) | "crashed" (the worker died of something else)
    error: str = ""  # the exception the function raised in the worker, if any (value is None then)


class Caller(Protocol):
    """What runs a reading under a CPU budget: a ``BudgetPool`` (in a worker) or ``InProcess``."""

    def call(self, func: Callable[..., Any], *args: Any, seconds: float) -> Outcome: ...


class InProcess:
    """``func(*args)`` under ``seconds`` of CPU in this very process: for code that already runs in
    a pool worker (a whole mail's reading, ``[performance] workers``), where a second worker per
    file would only add a process. A reader stuck in C code is not stopped here: the parent's
    wall-clock backstop on the whole call kills the worker."""

    def call(self, func: Callable[..., Any], *args: Any, seconds: float) -> Outcome:
        try:
            with cpu_budget(seconds):
                return Outcome(func(*args))
        except OverBudget:
            return Outcome(failure="timeout")
        except Exception as exc:  # noqa: BLE001 - the caller records it, as the pool's worker would
            return Outcome(error=f"{type(exc).__name__}: {exc}")


class _Worker:
    """One worker: a fresh interpreter (``python -c``, so no main module is run again and no lock
    or thread of the service is inherited) talking over a socket pair; nothing written to disk."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[1])  # where ``ingest`` is imported from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from ingest.budget import serve; serve({theirs.fileno()})"],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=env, close_fds=True)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False

    def wait_ready(self) -> bool:
        if not self.ready:
            try:
                self.ready = self.conn.poll(START_TIMEOUT_SECONDS) and self.conn.recv() == _READY
            except (EOFError, OSError):
                self.ready = False
        return self.ready

    def stop(self) -> int | None:
        """End the worker (killed if it does not go at once); its exit code (negative: the signal)."""
        self.conn.close()
        try:
            return self.process.wait(0.5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(5)


class BudgetPool:
    """Worker processes that run functions under a CPU-time budget; safe to call from several threads."""

    def __init__(self, workers: int = 1, wall_factor: float = WALL_FACTOR,
                 wall_grace_seconds: float = WALL_GRACE_SECONDS) -> None:
        self.wall_factor, self.wall_grace_seconds = wall_factor, wall_grace_seconds
        self._slots: list[_Worker | None] = [None] * max(1, workers)  # None: start one when needed
        self._busy: set[int] = set()
        self._free = threading.Semaphore(len(self._slots))
        self._lock = threading.Lock()
        self.replaced = 0  # workers killed over their budget, or dead, and replaced

    def call(self, func: Callable[..., Any], *args: Any, seconds: float | None,
             wall_seconds: float | None = None) -> Outcome:
        """``func(*args)`` in a worker with ``seconds`` of CPU (None: the function budgets its own
        parts; then ``wall_seconds`` is the backstop). A worker that cannot start at all (the
        machine refuses processes) leaves the reading to this process, unbudgeted."""
        with self._free:
            with self._lock:
                index = next(i for i in range(len(self._slots)) if i not in self._busy)
                self._busy.add(index)
                worker = self._slots[index] or _Worker()
                self._slots[index] = worker
            try:
                wall = wall_seconds if seconds is None else seconds * self.wall_factor + self.wall_grace_seconds
                return self._run(worker, index, func, args, seconds, wall or self.wall_grace_seconds)
            finally:
                with self._lock:
                    self._busy.discard(index)

    def _run(self, worker: _Worker, index: int, func: Callable[..., Any], args: tuple[Any, ...],
             seconds: float | None, wall: float) -> Outcome:
        if not worker.wait_ready():
            log.warning("a reader worker did not start (exit code %s): reading in the service's own process",
                        worker.stop())
            self._discard(index)
            return Outcome(func(*args))
        try:
            worker.conn.send((func, args, seconds))
            if worker.conn.poll(wall):
                kind, value = worker.conn.recv()
                return Outcome(value if kind == "ok" else None, "timeout" if kind == "timeout" else "",
                               value if kind == "error" else "")
            log.info("a reader worker ran over its wall-clock backstop: killed")
            worker.stop()
            failure = "timeout"
        except (EOFError, OSError):
            code = worker.stop()
            failure = "timeout" if code in (-signal.SIGXCPU, -signal.SIGKILL) else "crashed"
            log.info("a reader worker died (exit code %s)", code)
        self._discard(index)
        return Outcome(failure=failure)

    def _discard(self, index: int) -> None:
        with self._lock:
            self._slots[index] = None  # a fresh worker next time
        self.replaced += 1

    def close(self) -> None:
        with self._lock:
            workers, self._slots = self._slots, [None] * len(self._slots)
        for worker in workers:
            if worker is not None:
                worker.stop()

    def release_idle(self) -> int:
        """Stop the workers not reading now (their memory given back; a later call starts a fresh
        one); how many were stopped."""
        with self._lock:
            idle = [i for i, worker in enumerate(self._slots) if worker is not None and i not in self._busy]
            workers = [self._slots[i] for i in idle]
            for i in idle:
                self._slots[i] = None
        for worker in workers:
            if worker is not None:
                worker.stop()
        return len(workers)


_shared: BudgetPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> BudgetPool:
    """The process's pool (one worker), started when first used, stopped at exit."""
    global _shared  # noqa: PLW0603 - one pool per process, started when first used
    with _shared_lock:
        if _shared is None:
            _shared = BudgetPool()
            atexit.register(_shared.close)
        return _shared


def release_shared() -> int:
    """Stop the process's pool's idle worker, if one was started (when another pool takes over the
    readings: the service's worker would otherwise sit on ~65 MB for the rest of the run)."""
    with _shared_lock:
        return _shared.release_idle() if _shared is not None else 0
