"""A stored mail parsed and its files read in a pool worker, ahead of its turn (``[performance] workers``).

What ``process_email`` does with a mail's bytes — parse it, unpack and read every attachment, hash
each file — needs nothing of the register, so it can run in a worker process on the other core
while the service registers the mail before it. ``prepare_mail`` is that part: it runs in a
``BudgetPool`` worker (``ingest.budget``), reads the raw mail from data_dir itself (the bytes are
not sent over), reads each file under ``[limits] file_seconds`` of CPU as the one-worker path does
(``InProcess``: in the worker, not in a second one) and sends back the parsed mail and every file's
facts. The register, the disposition and the reply are still done by the service, one mail at a
time in the order the mails were stored (``shenbao.service.parallel``), so verdicts and replies do
not depend on which worker finished first. A worker that fails (killed at its wall-clock backstop,
crashed) is no verdict: that mail is processed the ordinary way, in the service's own process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.budget import InProcess
from ingest.files import budgeted, budgeted_unpack, read_attachments
from ingest.limits import Limits
from ingest.parse import parse_mail
from ingest.types import FileFacts, ParsedMail

WALL_FILES = 10  # a mail's wall-clock backstop: this many files' budgets (x4, as per file) ...
WALL_GRACE_SECONDS = 30.0  # ... plus its conversions' timeout and this


@dataclass(frozen=True)
class Prepared:
    parsed: ParsedMail
    files: tuple[tuple[FileFacts, bool], ...]  # each file's facts; False: no bytes (a refused member)


def prepare_mail(raw_path: str, limits: Limits, scratch_root: str) -> Prepared:
    """In a pool worker: the raw mail at ``raw_path`` parsed and every attachment read."""
    parsed = parse_mail(Path(raw_path).read_bytes())
    here = InProcess()
    attachments = [(a.filename, a.data) for a in parsed.attachments]
    read = read_attachments(attachments, limits, Path(scratch_root), budgeted(here), budgeted_unpack(here))
    return Prepared(parsed, tuple((r.facts, bool(r.item.data)) for r in read))


def wall_seconds(limits: Limits) -> float:
    """How long a worker may take over one mail before it is killed (its mail then read in the service)."""
    return WALL_FILES * 4 * limits.file_seconds + limits.conversion_timeout_seconds + WALL_GRACE_SECONDS
