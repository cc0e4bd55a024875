"""The register as the office sees it: one view per nomination, shared by the digest, Excel and the web.

Everything here is read-only. Chinese wording comes from ``templates/`` (problem texts from
``problems.toml`` through ``notify.wording``, labels from ``office.toml``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col

from notify.checklist import checklist
from notify.views import DecisionInfo, NominationView, ReplyInfo
from notify.wording import render_problem
from shenbao.register.bulk import Material, Replies, ReplyRow, chunks, light_materials, materials
from shenbao.collector import cycle_collection_paused
from shenbao.config import Config
from shenbao.register.decisions import effective_status
from shenbao.store.models import Decision, Reply, Submission
from shenbao.store.verdicts import verdict_of
from shenbao.register.nominations import (
    active_rows,
    by_ref,
    latest_decision,
    latest_decisions,
    replies_about,
    surviving,
)
from shenbao.register.verdict import facts_of


def _time(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _decision(decision: Decision | None) -> DecisionInfo | None:
    if decision is None:
        return None
    return DecisionInfo(decision.action, decision.note, decision.decided_by, datetime.fromisoformat(decision.decided_at))


def _latest(replies: Iterable[Reply | ReplyRow]) -> ReplyInfo | None:
    reply = max(replies, key=lambda r: (r.created_at, r.id or 0), default=None)
    if reply is None:
        return None
    return ReplyInfo(datetime.fromisoformat(reply.sent_at or reply.created_at), reply.kind, reply.state)


def last_reply(s: Session, sub: Submission) -> ReplyInfo | None:
    """The latest reply that reported on ``sub`` (one reply to a split mail reports on each of its nominations)."""
    return _latest(replies_about(s, sub))


def _view(config: Config, sub: Any, material: Material, decision: Decision | None,  # sub: Submission or a row
          replies: Iterable[Reply | ReplyRow]) -> NominationView:
    assert sub.id is not None
    problems = verdict_of(sub).problems
    lines = tuple(render_problem(p, config.campaign.timezone) for p in problems)
    facts = facts_of(sub, material)
    emails = len(material.emails)  # every email that brought it something (one may carry several candidates)
    status = effective_status(sub, decision)  # an office decision overrides the rules
    return NominationView(  # only what is printed: not the problems' details, nor the whole facts
        id=sub.id, ref=sub.ref, unit=sub.unit, candidate=sub.candidate, sender=sub.sender, status=status,
        lines=lines, items=checklist(facts, lines), received_at=_time(sub.received_at),
        last_received_at=_time(sub.last_received_at), emails=emails, last_reply=_latest(replies),
        form=facts.forms[-1] if facts.forms else None, auto_status=sub.status, decision=_decision(decision))


def view_of(s: Session, config: Config, sub: Submission) -> NominationView:
    assert sub.id is not None
    return _view(config, sub, materials(s, [sub])[sub.id], latest_decision(s, sub.id), replies_about(s, sub))


def nomination_views(s: Session, config: Config) -> list[NominationView]:
    """Every nomination (not those absorbed into another), in order of number. Built as ``view_of``
    builds one, from rows loaded in bulk (a few queries per 500 nominations, see ``shenbao.register.bulk``)."""
    with cycle_collection_paused():
        ids = [row.id for row in active_rows(s, columns=[col(Submission.id)])]
        decisions, replies, views = latest_decisions(s), Replies(s), []
        for chunk in chunks(ids):
            subs = active_rows(s, chunk)
            loaded = light_materials(s, subs)
            for sub in subs:
                material = loaded[sub.id or 0]
                about = replies.about(sub.id or 0, [email.id or 0 for email in material.emails])
                views.append(_view(config, sub, material, decisions.get(sub.id or 0), about))
    return views


def find_view(s: Session, config: Config, ref: str) -> NominationView | None:
    sub = surviving(s, by_ref(s, ref))  # an absorbed nomination's reference leads to the survivor
    return view_of(s, config, sub) if sub is not None else None
