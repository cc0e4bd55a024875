"""Two shenbao instances on one PostgreSQL register, for the two-instance crash suite.

Each instance is an ``Installation`` of its own (config, HOME, TMPDIR, working directory) polling
its own Dovecot account, both with the same ``database_url`` and the same ``data_dir``: the way
two cities' mailboxes fill one register. The two mailboxes hold disjoint rounds of the mixed
mailbox (a round is one unit's mail, see mixed.py), so what is right for each mail does not
depend on which instance gets there first.

What does depend on it is the numbering: a reference is ``PREFIX-<nomination id>`` and ids come
in the order the two instances create rows. ``pair_snapshot`` therefore names each nomination by
its unit and candidate instead of its reference (everywhere: the nominations, the emails, the
reply subjects) and sorts what the two instances interleave; everything else is compared as is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from tests.reliability.harness import Installation, imap_table, smtp_table
from tests.reliability.killer import Watch
from tests.reliability.mixed import SCENARIOS, PlannedMail
from tests.servers_imap import ImapAccount
from tests.servers_smtp import SmtpServer

REFERENCE = re.compile(r"\b[A-Z][A-Z0-9]*-\d{3,}\b")


def split_rounds(mails: list[PlannedMail]) -> tuple[list[PlannedMail], list[PlannedMail]]:
    """The even rounds for the first mailbox, the odd rounds for the second."""
    first = [m for m in mails if (m.index // len(SCENARIOS)) % 2 == 0]
    return first, [m for m in mails if (m.index // len(SCENARIOS)) % 2 == 1]


def mailbox_name(account: ImapAccount) -> str:
    """The register's name of an account's INBOX (ingest/imap.py)."""
    return f"imap:{account.user}/INBOX@{account.host}"


@dataclass
class SharedInstallation(Installation):
    """An installation whose register is ``url`` and whose data_dir is ``shared`` (both shared)."""

    url: str = ""
    shared: Path = field(default_factory=Path)

    @property
    def data_dir(self) -> Path:
        return self.shared


def pair(root: Path, url: str, accounts: tuple[ImapAccount, ImapAccount],
         servers: tuple[SmtpServer, SmtpServer]) -> tuple[SharedInstallation, SharedInstallation]:
    """Instance "a" reads the first account and replies through the first server, "b" the second."""
    shared = root / "shared"
    made = []
    for name, account, server in zip("ab", accounts, servers, strict=True):
        one = SharedInstallation(root / name, env={"SHENBAO_TEST_IMAP_PASSWORD": account.password}, url=url,
                                 shared=shared)
        # one process each: the two instances already share the 2 cores (the workers' path has its own suites)
        one.configure(imap_table(account), smtp_table(server), storage={"database_url": url, "data_dir": str(shared)},
                      performance={"workers": 1})
        made.append(one)
    return made[0], made[1]


def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute(sql, params).fetchall()


class PgWatch(Watch):
    """One mailbox's progress in a PostgreSQL register (stored, processed) and its SMTP server's captures."""

    errors = (psycopg.Error,)  # the tables are not there yet

    def __init__(self, url: str, mailbox: str, smtp: SmtpServer) -> None:
        super().__init__(Path(), smtp)
        self.url, self.mailbox = url.replace("postgresql+psycopg://", "postgresql://"), mailbox

    def _connect(self) -> Any:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=2)

    def _counts(self, conn: Any) -> tuple[int, int]:
        row = conn.execute("select count(*), count(*) filter (where state = 'processed') from emails "
                           "where mailbox = %s", (self.mailbox,)).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


def pair_snapshot(one: SharedInstallation) -> dict[str, Any]:
    """The register both instances filled (export, outbox, files), references named by their nomination."""
    export = one.export()
    names = {sub["id"]: f"<{sub['unit']}/{sub['candidate']}>" for sub in export["submissions"]}
    replies = query(one.url, "select e.mailbox, e.uid, r.to_addr, r.kind, r.subject, r.state from replies r "
                             "join emails e on e.id = r.email_id")
    text = json.dumps({"export": export, "replies": [list(row) for row in replies]}, ensure_ascii=False)
    named = json.loads(REFERENCE.sub(lambda m: names.get(m.group(), m.group()), text))
    for sub in named["export"]["submissions"]:
        sub["same_candidate"].sort()
    return {"submissions": sorted(named["export"]["submissions"], key=lambda s: str(s["id"])),
            "emails": sorted(named["export"]["emails"], key=lambda e: json.dumps(e, sort_keys=True, ensure_ascii=False)),
            "replies": sorted(named["replies"], key=lambda r: json.dumps(r, ensure_ascii=False)),
            "files": one.stored_files()}


def references(one: SharedInstallation) -> list[int]:
    """The numbers of the register's references, in order (gaps show)."""
    return sorted(int(sub["id"].rpartition("-")[2]) for sub in one.export()["submissions"])
