"""Failures of the machine, told apart from failures of one mail.

A full disk, a read-only file system or a register locked by another program is not the
fault of the mail in hand: recording ``error:…`` as that mail's disposition would lose it for
good. Such failures become a ``StoreError`` with one clear line (what, where, the fix); the
cycle stops there, the mail stays ``stored`` and is processed by the next cycle once the
machine is well again. Everything else a mail can provoke stays that mail's own error.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from shenbao.errors import StoreError

if TYPE_CHECKING:
    from shenbao.store.db import Store

# errno values that say "the machine", never "this mail".
_MACHINE_ERRNOS = frozenset({
    errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES, errno.EPERM, errno.EMFILE, errno.ENFILE,
    errno.ENOMEM, errno.ESTALE,
})
RESUME = "nothing was lost: the cycle stopped and resumes where it stopped"


def is_machine_failure(exc: BaseException) -> bool:
    """True when ``exc`` comes from the disk, the file system or the database, not from the mail."""
    if isinstance(exc, StoreError):
        return True
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, OSError) and exc.errno in _MACHINE_ERRNOS


def disk_error(where: str, exc: OSError, target: str = "") -> StoreError:
    """``target`` under ``where`` (e.g. "data_dir /srv/shenbao/data") could not be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "the disk is full; free some space"
    elif exc.errno == errno.EROFS:
        fix = "the file system is read-only; remount it read-write"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        fix = "permission denied; give the service user write access"
    else:
        fix = f"{exc.strerror or exc}; check the disk"
    what = target or exc.filename or "a file"
    return StoreError(f"{where}: cannot write {what} ({fix}); {RESUME}")


def database_error(engine: Engine, exc: DatabaseError, busy_timeout_seconds: float, doing: str = "") -> StoreError:
    """The register could not be read or written; the URL is shown without its password."""
    where = f"storage.database_url {engine.url.render_as_string(hide_password=True)}"
    text = str(exc.orig) if exc.orig is not None else str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered:
        fix = (f"the register is locked by another program (a backup, a database browser?) for more than "
               f"{busy_timeout_seconds:g}s (storage.busy_timeout_seconds); close it")
    elif "disk is full" in lowered or "no space" in lowered:
        fix = "the disk holding the register is full; free some space"
    elif "i/o error" in lowered:
        fix = "a disk I/O error (SQLite reports a full disk this way too); check free space and the disk"
    elif "readonly" in lowered or "read-only" in lowered:
        fix = "the register is read-only; give the service user write access to it and its folder"
    elif "connection refused" in lowered or "could not connect" in lowered or "connection failed" in lowered:
        fix = "the database server cannot be reached; start it or check the host and port in the URL"
    else:
        fix = f"{text}; check the database"
    return StoreError(f"{where}: {doing + ': ' if doing else ''}{fix}; {RESUME}")


def as_store_error(exc: BaseException, store: Store) -> StoreError:
    """A machine failure (see ``is_machine_failure``) as the StoreError the cycle stops with."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, DatabaseError):
        return database_error(store.engine, exc, store.busy_timeout_seconds)
    if isinstance(exc, OSError):
        return disk_error(f"data_dir {store.data_dir}", exc)
    return StoreError(f"{type(exc).__name__}: {exc}; {RESUME}")
