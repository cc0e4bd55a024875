"""Stored mail parsed and read in worker processes ahead of its turn (``[performance] workers`` > 1).

``Ahead`` keeps a window of at most ``workers`` stored mails, each being prepared
(``shenbao.intake.prepare.prepare_mail``: parse, unpack, read, hash) in its own ``BudgetPool``
worker, and hands them back strictly in the order they were added, so the service registers,
judges and answers them one at a time in arrival order, exactly as the one-process path does.
Memory stays bounded: the window holds at most ``workers`` prepared mails, each worker one mail.
Nothing is written to the register by a worker: a crash at any moment leaves stored mails
``stored`` (processed by the next cycle), and a mail whose worker failed is processed the ordinary
way (``prepared`` None). The pool is started when first needed and stopped at exit.
"""

from __future__ import annotations

import atexit
import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from ingest.budget import BudgetPool, release_shared
from shenbao.config import Config
from shenbao.intake.prepare import Prepared, prepare_mail, wall_seconds
from shenbao.intake.process import SCRATCH_DIR
from shenbao.store.db import Store
from shenbao.store.models import Email

log = logging.getLogger(__name__)


class Ahead:
    def __init__(self, store: Store, config: Config, workers: int) -> None:
        self.store, self.config, self.size = store, config, workers
        release_shared()  # the service's own reader worker is idle from now on: its memory given back
        self.pool = BudgetPool(workers)
        self.threads = ThreadPoolExecutor(workers, thread_name_prefix="shenbao-prepare")
        self.window: deque[tuple[int, Future[Prepared | None]]] = deque()
        atexit.register(self.close)

    def full(self) -> bool:
        return len(self.window) >= self.size

    def empty(self) -> bool:
        return not self.window

    def add(self, email_id: int) -> None:
        self.window.append((email_id, self.threads.submit(self._prepare, email_id)))

    def next(self) -> tuple[int, Prepared | None]:
        """The oldest mail added, once its worker is done: (id, its preparation or None)."""
        email_id, future = self.window.popleft()
        try:
            return email_id, future.result()
        except Exception:  # no preparation: the service processes the mail itself
            log.exception("preparing email %s in a worker failed", email_id)
            return email_id, None

    def drop(self) -> int:
        """Forget the mails not handed back yet (a stop: they stay stored); how many there were."""
        count = len(self.window)
        for _email_id, future in self.window:
            future.cancel()
        self.window.clear()
        return count

    def _prepare(self, email_id: int) -> Prepared | None:
        with self.store.session() as s:
            email = s.get(Email, email_id)
            if email is None or email.state != "stored" or self.store.headers_only(email):
                return None
            raw_path = self.store.path(email.raw_path)
        limits = self.config.limits.for_ingest()
        outcome = self.pool.call(prepare_mail, str(raw_path), limits, str(self.store.path(SCRATCH_DIR)),
                                 self.config.ocr.enabled, seconds=None, wall_seconds=wall_seconds(limits))
        if isinstance(outcome.value, Prepared):
            return outcome.value
        log.info("email %s could not be prepared in a worker (%s): processed in the service",
                 email_id, outcome.failure or outcome.error)
        return None

    def close(self) -> None:
        self.drop()
        self.threads.shutdown(wait=True)
        self.pool.close()
