"""The running service notices an edited config file, validates it, and applies it only if valid.

``ConfigWatcher.refresh`` is called once per mail cycle: one ``stat`` when nothing changed.
A changed file is read and validated in full. Valid: the new rules, campaign, replies, units,
digest and limits apply from the next mail on (stored nominations are re-checked only by
``shenbao reevaluate [--notify]``, which the log suggests). Changes to ``[mailbox]``, ``[smtp]``
or ``[storage]`` need a restart: those sections keep their running values, and the log says so.
Invalid: the previous config stays in force, loudly: an ERROR with every ``key.path: message``,
and the errors recorded in the register (``config_problem``, read by the next digest) until
a valid file replaces it. Several instances may share a register, each with its own config file:
each records under its own key (``config.errors <mailbox>``), so one instance's valid file never
clears another's refused edit, and the digest names the instance.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Protocol

from shenbao.config import Config, load_config
from shenbao.errors import ConfigError
from shenbao.store.meta import instance_config_errors, record_config_errors
from shenbao.store.db import Store, utc_iso

log = logging.getLogger(__name__)

RESTART_SECTIONS = ("mailbox", "smtp", "storage")


class HoldsConfig(Protocol):
    config: Config


def config_problem(store: Store, mailbox: str = "") -> tuple[str, ...]:
    """The errors of the config edit the instance serving ``mailbox`` refused, while it is refused."""
    with store.session() as s:
        return instance_config_errors(s, mailbox)


def _record(store: Store, mailbox: str, errors: tuple[str, ...]) -> None:
    with store.session() as s:
        record_config_errors(s, mailbox, errors)
        s.commit()


class ConfigWatcher:
    """Watches ``config.source`` of the instance serving ``mailbox``; see the module docstring."""

    def __init__(self, config: Config, store: Store, mailbox: str = "") -> None:
        self.config, self.store, self.mailbox = config, store, mailbox
        self.path: Path | None = config.source
        self._stamp = self._stat()
        self._digest = self._hash()

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat() if self.path else None
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None

    def _hash(self) -> str:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest() if self.path else ""
        except OSError:
            return ""

    def check(self, now: datetime) -> Config | None:
        """The new config when the file changed and is valid; None otherwise (the old one stays)."""
        stamp = self._stat()
        if self.path is None or stamp == self._stamp:
            return None
        self._stamp = stamp
        digest = self._hash()
        if digest == self._digest:
            return None
        self._digest = digest
        try:
            new = load_config(self.path)
        except ConfigError as exc:
            log.error("config %s changed but is not valid; KEEPING THE PREVIOUS CONFIG until it is fixed:\n  %s",
                      self.path, "\n  ".join(exc.errors or [str(exc)]))
            _record(self.store, self.mailbox, (f"{exc} (noticed {utc_iso(now)}; the previous config stays in force)", *exc.errors))
            return None
        return self._accept(new)

    def _accept(self, new: Config) -> Config:
        frozen = [name for name in RESTART_SECTIONS if getattr(new, name) != getattr(self.config, name)]
        if frozen:
            log.warning("config %s: changes to [%s] take effect after a restart", self.path, "], [".join(frozen))
            new = new.model_copy(update={name: getattr(self.config, name) for name in frozen})
        log.warning("config %s changed and was applied to new mail; run `shenbao reevaluate --notify` to re-check "
                    "the nominations already received", self.path)
        _record(self.store, self.mailbox, ())
        self.config = new
        return new

    def refresh(self, *holders: HoldsConfig, now: datetime) -> Config:
        """Check the file; give a valid new config to every holder. Returns the config in force."""
        new = self.check(now)
        if new is not None:
            for holder in holders:
                holder.config = new
        return self.config
