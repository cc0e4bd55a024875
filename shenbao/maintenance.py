"""Work on the stored register without fetching mail: re-checking under new rules."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from shenbao.config import Config
from shenbao.models import Submission
from shenbao.register import problems_from_json, reevaluate
from shenbao.store import Store


def _summary(status: str, problems_json: str) -> str:
    codes = sorted(p.code for p in problems_from_json(problems_json))
    return f"{status} [{', '.join(codes)}]" if codes else status


def reevaluate_all(store: Store, config: Config, now: datetime) -> list[tuple[str, str, str]]:
    """Re-run the rules on every nomination; return (ref, before, after) for each that changed."""
    changes = []
    with store.session() as s:
        for sub in list(s.exec(select(Submission).order_by(Submission.id))):
            before = _summary(sub.status, sub.problems)
            reevaluate(s, config, sub, now)
            after = _summary(sub.status, sub.problems)
            if after != before:
                changes.append((sub.ref, before, after))
        s.commit()
    return changes
