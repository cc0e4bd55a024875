"""The paper copies of the form: the notice asks for 推荐表一式2份加盖公章 by post or by hand.

The office marks a nomination's paper copies received (or missing again, when marked by mistake)
with ``shenbao paper ID --received|--missing`` or on the web page. Every mark is kept with who,
when and why; the latest one is in force. Paper copies never change the automatic verdict
(the notice judges the emailed materials); they are shown beside it on the web page, in the
digest and in the workbook.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session, col, select

from notify.office import label
from shenbao.store.models import PaperCopy, Submission
from shenbao.register.nominations import find_nomination
from shenbao.store.db import Store, utc_iso

PAPER_HEADER = "纸质推荐表"  # the workbook's column


class HasId(Protocol):
    @property
    def id(self) -> int: ...


def paper_label(mark: PaperCopy | None) -> str:
    """已收到 / 未收到 (``templates/office.toml`` [paper]), for a nomination whose latest mark is ``mark``."""
    return label("paper", "received" if mark is not None and mark.received else "missing")


def latest_paper(s: Session, sub_id: int | None) -> PaperCopy | None:
    return s.exec(select(PaperCopy).where(PaperCopy.submission_id == sub_id).order_by(col(PaperCopy.id).desc())).first()


def latest_papers(s: Session, sub_ids: Iterable[int | None] | None = None) -> dict[int, PaperCopy]:
    """``latest_paper`` of many nominations in one query (all when ``sub_ids`` is None)."""
    query = select(PaperCopy).order_by(col(PaperCopy.id))
    if sub_ids is not None:
        query = query.where(col(PaperCopy.submission_id).in_([i for i in sub_ids if i is not None]))
    return {row.submission_id: row for row in s.exec(query)}


def paper_received(s: Session, views: Sequence[HasId]) -> int:
    """How many of the nominations ``views`` have their paper copies received (for the digest)."""
    papers = latest_papers(s, [v.id for v in views])
    return sum(1 for mark in papers.values() if mark.received)


def with_paper(s: Session, views: Sequence[HasId], rows: list[list[Any]]) -> list[list[Any]]:
    """Each workbook row (one per view, same order) with its 纸质推荐表 cell added at the end."""
    papers = latest_papers(s, [v.id for v in views])
    return [row + [paper_label(papers.get(view.id))] for view, row in zip(views, rows, strict=True)]


def paper_history(s: Session, sub: Submission) -> list[PaperCopy]:
    return list(s.exec(select(PaperCopy).where(PaperCopy.submission_id == sub.id).order_by(col(PaperCopy.id))))


def mark_paper(store: Store, ref: str, received: bool, note: str, by: str, now: datetime) -> tuple[Submission, PaperCopy]:
    """Record that the paper copies of nomination ``ref`` arrived (``received``) or are still missing."""
    with store.session() as s:
        sub = find_nomination(s, ref)
        mark = PaperCopy(submission_id=sub.id or 0, received=received, note=note.strip(), marked_by=by.strip() or "?",
                         marked_at=utc_iso(now))
        s.add(mark)
        s.commit()
        return sub, mark
