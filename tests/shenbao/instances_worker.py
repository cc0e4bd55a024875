"""One of several shenbao instances on one register, as a real process (tests/shenbao/test_instances.py).

``python -m tests.shenbao.instances_worker MODE CONFIG GO [SLOT]``: open the register of CONFIG,
print "ready", wait until the file GO exists (so every instance starts its work at the same
moment), then do MODE once: ``send`` (one round of the outbox), ``digest`` (the digest job for SLOT, ISO),
``save`` (store the mails of the CONFIG's folder mailbox), ``process`` (process every stored mail of
the register, whichever mailbox it came from). Prints a JSON line with what it did.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from shenbao.config import load_config
from shenbao.replies.outbox import send_due
from shenbao.service.digest_job import queue_digest
from shenbao.service.wiring import build_pipeline, open_mailbox, open_sender, open_store


def main(mode: str, config_path: str, go: str, slot: str = "") -> None:
    config = load_config(Path(config_path))
    store, sender = open_store(config), open_sender(config)
    now = datetime.fromisoformat(slot) if slot else datetime.now().astimezone()
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.005)
    if mode == "send":
        sent, failed = send_due(store, config, sender, now)
        print(json.dumps({"sent": sent, "failed": failed}))
    elif mode == "digest":
        reply = queue_digest(store, config, now, slot=now)
        print(json.dumps({"queued": reply is not None}))
    elif mode == "process":
        pipeline = build_pipeline(config, lambda: now)
        done = [email_id for email_id in store.pending_emails() if pipeline.process_one(email_id)]
        print(json.dumps({"processed": len(done)}))
    elif mode == "save":
        mailbox = open_mailbox(config)
        saved = [mail.uid for mail in mailbox.fetch_new(store.cursor(mailbox.name), store)
                 if store.save_raw(mail, now) is not None]
        print(json.dumps({"saved": saved}))


if __name__ == "__main__":
    main(*sys.argv[1:])
