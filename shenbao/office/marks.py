"""What the office has done to a nomination, in words: the paper copies and the audit trail
(every decision and every paper mark, who and when, oldest first); the decision in force is
``notify.views.DecisionInfo``.

Read-only; times in the campaign's time zone. Wording from ``templates/office.toml``
(``[decision]``, ``[paper]``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from notify.office import label
from notify.wording import format_full_time
from shenbao.register.decisions import history
from shenbao.store.models import PaperCopy, Submission
from shenbao.office.paper import paper_history, paper_label


@dataclass(frozen=True)
class PaperInfo:
    received: bool
    label: str  # 已收到 / 未收到
    note: str
    by: str  # "" when never marked
    at: str


@dataclass(frozen=True)
class AuditEntry:
    at_utc: str  # for ordering
    at: str
    by: str
    what: str  # 决定受理 / 纸质推荐表：已收到 …
    note: str


def paper_info(mark: PaperCopy | None, zone: str) -> PaperInfo:
    if mark is None:
        return PaperInfo(False, paper_label(None), "", "", "")
    return PaperInfo(mark.received, paper_label(mark), mark.note, mark.marked_by, format_full_time(mark.marked_at, zone))


def audit_trail(s: Session, sub: Submission, zone: str) -> list[AuditEntry]:
    """Every decision and paper mark on ``sub``, oldest first."""
    entries = [AuditEntry(d.decided_at, format_full_time(d.decided_at, zone), d.decided_by,
                          label("audit", d.action), d.note) for d in history(s, sub)]
    entries += [AuditEntry(p.marked_at, format_full_time(p.marked_at, zone), p.marked_by,
                           label("audit", "paper_received" if p.received else "paper_missing"), p.note)
                for p in paper_history(s, sub)]
    return sorted(entries, key=lambda entry: entry.at_utc)
