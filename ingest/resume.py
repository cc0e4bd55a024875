"""A fetch that goes on where it broke: the connection is re-opened with backoff and the next pass
hands out only what comes after the last message handed out, so nothing is lost and nothing comes
twice. Knows nothing of the protocol (``ingest.imap`` raises ``Broken`` and keeps ``Progress``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ingest.errors import MailboxError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Broken(Exception):
    """The connection broke during a pass: reconnect and resume."""


@dataclass
class Progress:
    uidvalidity: int | None
    floor: int  # every UID up to here has been handed out (or was already stored)
    connected: bool = False


def resumed(one_pass: Callable[[Progress], Iterator[T]], progress: Progress, delays: Sequence[float],
            drop_connection: Callable[[], None], where: str) -> Iterator[T]:
    """Everything ``one_pass`` yields, passes repeated after each ``Broken`` while ``delays`` last;
    then a MailboxError saying how far it got (the rest comes with the next poll)."""
    waits = iter(delays)
    while True:
        try:
            yield from one_pass(progress)
            return
        except Broken as exc:
            drop_connection()
            delay = next(waits, None)
            if delay is None:
                raise MailboxError(f"IMAP {where}: the connection kept breaking during a fetch ({exc}); "
                                   f"mail up to UID {progress.floor} was read, the rest comes next poll") from exc
            log.warning("IMAP %s: connection lost after UID %s (%s); reconnecting in %ss", where, progress.floor, exc,
                        delay)
            time.sleep(delay)
