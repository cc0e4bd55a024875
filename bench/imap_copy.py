"""The plain-copy reference: a minimal imapclient loop, ``BODY.PEEK[]`` in batches of 10, one .eml per mail.

``python -m bench.imap_copy HOST PORT USER DEST [--imaplib-debug]``, password in $BENCH_IMAP_PASSWORD.
imapclient sets imaplib's debug level to 5, which makes imaplib %-format every response, whole
bodies included, even with logging off; the loop turns that off unless ``--imaplib-debug``
is given, so the benchmark shows what it costs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from imapclient import IMAPClient

BATCH = 10


def copy(host: str, port: int, user: str, dest: Path, keep_debug: bool) -> int:
    dest.mkdir(parents=True, exist_ok=True)
    client = IMAPClient(host, port, ssl=False, timeout=60)
    if not keep_debug:
        client._imap.debug = 0
    client.login(user, os.environ["BENCH_IMAP_PASSWORD"])
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search("ALL"))
    for start in range(0, len(uids), BATCH):
        for uid, data in client.fetch(uids[start:start + BATCH], ["BODY.PEEK[]"]).items():
            (dest / f"{uid}.eml").write_bytes(data[b"BODY[]"])
    client.logout()
    return len(uids)


if __name__ == "__main__":
    args = sys.argv[1:]
    copied = copy(args[0], int(args[1]), args[2], Path(args[3]), "--imaplib-debug" in args)
    print(f"copied {copied}")
