"""Who is sending a reply: the owner of an outbox claim, and whether that owner is still there.

A reply is claimed (``sending``) by one process at a time. The claim names its owner — host,
pid and the process's start time (so a recycled pid is not taken for the owner) — and carries a
lease. Recovery puts a claim back to ``pending`` only when its owner is gone (same host, that
process no longer runs) or its lease has expired (the owner hung, or runs on another host where
it cannot be looked at). Leases are about processes, so they run on the machine's clock, not on
the campaign's ``now``. (After the layout change this module belongs in ``shenbao/replies/``.)
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone
from functools import lru_cache

LEASE = timedelta(minutes=15)  # longer than any one hand-over to the server (timeouts are seconds)


def machine_now() -> datetime:
    return datetime.now(timezone.utc)


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22); "" when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError, UnicodeDecodeError):
        return ""


@lru_cache(maxsize=1)
def _me(pid: int) -> str:
    return f"{socket.gethostname()}/{pid}/{_start_time(pid)}"


def owner_id() -> str:
    """This process as a claim's owner: "host/pid/start"."""
    return _me(os.getpid())


def owner_gone(owner: str) -> bool:
    """True when ``owner`` surely runs no more: on this host, and no process with its pid and start
    time exists. An owner on another host, or one that cannot be read, is not known to be gone."""
    host, _, rest = owner.partition("/")
    pid_text, _, start = rest.partition("/")
    if not owner or not pid_text.isdigit():
        return True  # a claim from before owners were recorded (schema 2)
    if host != socket.gethostname():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # a process of another user has that pid: compare its start time
    return bool(start) and _start_time(pid) not in ("", start)
