"""Fetching and processing side by side: a thread stores new mail while the main thread processes it.

A cycle used to fetch (and store) every new mail, then process them all; on a full mailbox the
two halves take about as long, and the fetch mostly waits on the socket and the disk. Here
``Pipeline.fetch`` runs unchanged in a thread — raw bytes and row first, so "no mail is lost"
holds as before — and hands each committed id through a queue to the main thread, which
processes the mails in the order they were stored, as the sequential cycle did.

Only the fetch thread touches the mailbox (``ingest.imap`` keeps one connection and is not
thread-safe) and the thread is always joined before this returns, so the daemon's IDLE wait
afterwards has the connection to itself. The store is shared: each call opens its own session
(SQLite in WAL mode; a writer waits up to ``storage.busy_timeout_seconds`` for the other).
An error of the fetch (mailbox unreachable, disk full) is raised once the mail already stored
has been processed; a machine failure while processing, or a stop request, ends the fetch
after the mail in hand. Memory stays flat: the queue holds ids, each side one mail's bytes.
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shenbao.pipeline import Pipeline

WAIT_SLICE_SECONDS = 0.2  # the main thread wakes this often to see a stop request


def _next_id(ids: queue.SimpleQueue[int | None], pipeline: Pipeline) -> int | None:
    """The next stored id; None when the fetch is over or a stop was requested."""
    while not pipeline.stopping():
        try:
            return ids.get(timeout=WAIT_SLICE_SECONDS)
        except queue.Empty:
            continue
    return None


def fetch_and_process(pipeline: Pipeline) -> tuple[int, int, int]:
    """Fetch new mail in a thread while processing each stored one here: (fetched, processed, errors)."""
    ids: queue.SimpleQueue[int | None] = queue.SimpleQueue()
    failure: list[BaseException] = []
    done = threading.Event()  # set by the main thread: fetch nothing more

    def fetch() -> None:
        try:
            pipeline.fetch(stored=ids.put, stopping=lambda: done.is_set() or pipeline.stopping())
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, raised there
            failure.append(exc)
        finally:
            ids.put(None)

    thread = threading.Thread(target=fetch, name="shenbao-fetch", daemon=True)
    fetched = processed = errors = 0
    thread.start()
    try:
        while (email_id := _next_id(ids, pipeline)) is not None:
            fetched += 1
            if pipeline.process_one(email_id):
                processed += 1
            else:
                errors += 1
            pipeline.progress("process", fetched, None)
    finally:
        done.set()
        thread.join()
    while not ids.empty():  # the thread is joined: stored after a stop request, processed next cycle
        fetched += ids.get_nowait() is not None
    if failure:
        raise failure[0]
    return fetched, processed, errors

