"""Office decisions: accept or reject a nomination whatever the rules say, or reopen it.

A decision records who, when and why; every decision is kept (the latest one is in force, a
``reopen`` withdraws it). Rules never touch decisions, so they survive ``reevaluate``. Where a
status is shown (export, show, replies) the decision overrides the automatic one within the
DESIGN vocabulary: accepted -> ``complete``, rejected -> ``incomplete``; the automatic status and
the decision are reported alongside.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select

from rules.codes import is_blocking
from rules.facts import Problem
from shenbao.register.campaign import CampaignContext
from shenbao.errors import UsageError
from shenbao.store.models import Decision, Submission
from shenbao.register.nominations import find_nomination, latest_decision
from shenbao.register.verdict import reevaluate_units
from shenbao.store.db import Store, utc_iso

Action = Literal["accept", "reject", "reopen"]
NominationReply = Literal["accepted", "incomplete", "late", "closed"]  # notify's ReplyKind but "unmatched"
DECIDED_STATUS = {"accept": "complete", "reject": "incomplete"}
DECIDED_LABEL = {"accept": "accepted", "reject": "rejected"}


def effective_status(sub: Submission, decision: Decision | None) -> str:
    """The status to show: the office's decision, else the rules' verdict."""
    return DECIDED_STATUS.get(decision.action, sub.status) if decision else sub.status


def reply_kind(status: str, decision: Decision | None) -> NominationReply:
    """How a reply about the nomination reads: accepted, closed (rejected), else from the status."""
    if decision is not None:
        return "accepted" if decision.action == "accept" else "closed"
    kinds: dict[str, NominationReply] = {"complete": "accepted", "late": "late"}
    return kinds.get(status, "incomplete")


def shown_problems(problems: tuple[Problem, ...], decision: Decision | None) -> tuple[Problem, ...]:
    """What a sender is told: nothing more to do once accepted (warnings stay), nothing once rejected."""
    if decision is None:
        return problems
    if decision.action == "accept":
        return tuple(p for p in problems if not is_blocking(p.code))
    return ()


def decision_fields(sub: Submission, decision: Decision | None) -> dict[str, Any]:
    """The export's fields beside ``status``: the automatic status and the decision in force."""
    return {
        "auto_status": sub.status,
        "decision": None if decision is None else {
            "action": DECIDED_LABEL[decision.action], "note": decision.note,
            "by": decision.decided_by, "at": decision.decided_at,
        },
    }


def history(s: Session, sub: Submission) -> list[Decision]:
    return list(s.exec(select(Decision).where(Decision.submission_id == sub.id).order_by(col(Decision.id))))


def decide(store: Store, ctx: CampaignContext, ref: str, action: Action, note: str, by: str,
           now: datetime) -> tuple[Submission, Decision]:
    """Record a decision on the nomination ``ref``; its unit's quota places are recounted."""
    if not note.strip():
        raise UsageError("--note: say why (it is kept with the decision)")
    with store.session() as s:
        sub = find_nomination(s, ref)
        if action == "reopen" and latest_decision(s, sub.id) is None:
            raise UsageError(f"{sub.ref}: has no decision in force to reopen")
        decision = Decision(submission_id=sub.id or 0, action=action, note=note.strip(), decided_by=by.strip() or "?",
                            decided_at=utc_iso(now))
        s.add(decision)
        s.flush()
        reevaluate_units(s, ctx, {sub.unit}, now)
        s.commit()
        return sub, decision
