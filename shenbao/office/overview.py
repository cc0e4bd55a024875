"""The register as the office sees it: one view per nomination, shared by the digest, Excel and the web.

Everything here is read-only. Chinese wording comes from ``templates/`` (problem texts from
``problems.toml`` through ``notify.wording``, labels from ``office.toml``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from notify.checklist import ItemCheck, checklist
from notify.office import decision_text, label
from notify.wording import ProblemLine, render_problem
from rules.facts import NominationFacts, Problem
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


@dataclass(frozen=True)
class ReplyInfo:
    at: datetime  # when it was sent, else when it was queued
    kind: str
    state: str

    @property
    def kind_label(self) -> str:
        return label("reply_kind", self.kind)

    @property
    def state_label(self) -> str:
        return label("reply_state", self.state)


@dataclass(frozen=True)
class DecisionInfo:
    """The office decision in force on a nomination (``shenbao decide`` or the web view)."""

    action: str  # accept | reject
    note: str
    by: str
    at: datetime

    @classmethod
    def of(cls, decision: Decision | None) -> DecisionInfo | None:
        if decision is None:
            return None
        return cls(decision.action, decision.note, decision.decided_by, datetime.fromisoformat(decision.decided_at))

    @property
    def label(self) -> str:
        return label("decision", self.action)

    def text(self, timezone: str) -> str:
        """"受理（王老师，2021年5月7日10:00 北京时间）：…"."""
        return decision_text(self.action, self.note, self.by, self.at, timezone)


@dataclass(frozen=True)
class NominationView:
    id: int
    ref: str
    unit: str
    candidate: str
    sender: str
    status: str
    problems: tuple[Problem, ...]
    lines: tuple[ProblemLine, ...]  # the problems in Chinese, same order
    items: tuple[ItemCheck, ...]
    received_at: datetime | None  # first email
    last_received_at: datetime | None
    emails: int
    last_reply: ReplyInfo | None
    facts: NominationFacts
    auto_status: str = ""  # the rules' verdict; ``status`` is the office decision over it
    decision: DecisionInfo | None = None

    @property
    def status_label(self) -> str:
        return label("status", self.status)

    @property
    def auto_status_label(self) -> str:
        return label("status", self.auto_status or self.status)

    @property
    def open_lines(self) -> tuple[ProblemLine, ...]:
        """What is still to be put right: the blocking problems, none once the office accepted it."""
        return () if self.decision is not None and self.decision.action == "accept" else self.blocking

    @property
    def blocking(self) -> tuple[ProblemLine, ...]:
        return tuple(line for line in self.lines if line.blocking)

    @property
    def warnings(self) -> tuple[ProblemLine, ...]:
        return tuple(line for line in self.lines if not line.blocking)

    @property
    def missing(self) -> tuple[ItemCheck, ...]:
        return tuple(item for item in self.items if not item.ok)


def _time(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


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
    return NominationView(
        id=sub.id, ref=sub.ref, unit=sub.unit, candidate=sub.candidate, sender=sub.sender, status=status,
        problems=problems, lines=lines, items=checklist(facts, lines), received_at=_time(sub.received_at),
        last_received_at=_time(sub.last_received_at), emails=emails, last_reply=_latest(replies), facts=facts,
        auto_status=sub.status, decision=DecisionInfo.of(decision))


def view_of(s: Session, config: Config, sub: Submission) -> NominationView:
    assert sub.id is not None
    return _view(config, sub, materials(s, [sub])[sub.id], latest_decision(s, sub.id), replies_about(s, sub))


def nomination_views(s: Session, config: Config) -> list[NominationView]:
    """Every nomination (not those absorbed into another), in order of number. Built as ``view_of``
    builds one, from rows loaded in bulk (a few queries per 500 nominations, see ``shenbao.register.bulk``)."""
    with cycle_collection_paused():
        subs = active_rows(s)
        decisions = latest_decisions(s)
        replies = Replies(s)
        views = []
        for chunk in chunks(subs):
            loaded = light_materials(s, chunk)
            for sub in chunk:
                material = loaded[sub.id or 0]
                about = replies.about(sub.id or 0, [email.id or 0 for email in material.emails])
                views.append(_view(config, sub, material, decisions.get(sub.id or 0), about))
    return views


def find_view(s: Session, config: Config, ref: str) -> NominationView | None:
    sub = surviving(s, by_ref(s, ref))  # an absorbed nomination's reference leads to the survivor
    return view_of(s, config, sub) if sub is not None else None
