"""The reference copies the service is measured against: mbsync, and a minimal imapclient loop."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.measure import Sample, run
from tests.servers_imap import ImapAccount

MBSYNC_RC = """\
{global_options}
IMAPAccount bench
Host {host}
Port {port}
User {user}
Pass {password}
SSLType None
AuthMechs LOGIN
{account_options}

IMAPStore bench-far
Account bench

MaildirStore bench-near
Path {dest}/
Inbox {dest}/INBOX
SubFolders Verbatim

Channel bench
Far :bench-far:
Near :bench-near:
Patterns INBOX
Sync Pull
Create Near
SyncState *
"""


def mbsync_once(account: ImapAccount, work: Path, index: int, *, fastest: bool = False) -> Sample:
    """Copy the whole INBOX into a new Maildir under ``work`` with mbsync: by default as it ships
    (fsyncs, like the service's raw store); ``fastest``: ``FSync no`` and ``PipelineDepth 50``."""
    dest = work / f"mbsync-{index}"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    rc = work / "mbsyncrc"
    rc.write_text(MBSYNC_RC.format(host=account.host, port=account.port, user=account.user,
                                   password=account.password, dest=dest,
                                   global_options="FSync no\n" if fastest else "",
                                   account_options="PipelineDepth 50" if fastest else ""))
    try:
        return run(["mbsync", "-q", "-c", str(rc), "bench"])
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def imap_loop_once(account: ImapAccount, work: Path, index: int, keep_debug: bool = False) -> Sample:
    dest = work / f"imapcopy-{index}"
    shutil.rmtree(dest, ignore_errors=True)
    command = [sys.executable, "-m", "bench.imap_copy", account.host, str(account.port), account.user, str(dest)]
    try:
        return run(command + (["--imaplib-debug"] if keep_debug else []),
                   env={"BENCH_IMAP_PASSWORD": account.password})
    finally:
        shutil.rmtree(dest, ignore_errors=True)
