"""The office's view of one nomination: what the digest, the workbook, the CSV and the web view show
of it (status after any office decision, problems in Chinese, the checklist, the last reply), as
plain values with their labels from ``templates/office.toml``. Pure; ``shenbao.office.overview``
builds the views from the register.

May import (as all of notify): rules and templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from notify.checklist import ItemCheck
from notify.office import decision_text, label
from notify.wording import ProblemLine, format_full_time
from rules.facts import FormFacts


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

    @property
    def label(self) -> str:
        return label("decision", self.action)

    @property
    def rejected(self) -> bool:
        return self.action == "reject"

    def text(self, timezone: str) -> str:
        """"受理（王老师，2021年5月7日10:00 北京时间）：…"."""
        return decision_text(self.action, self.note, self.by, self.at, timezone)

    def when(self, timezone: str) -> str:
        """"2021年5月6日09:30", in the campaign's time zone."""
        return format_full_time(self.at, timezone)


@dataclass(frozen=True)
class NominationView:
    id: int
    ref: str
    unit: str
    candidate: str
    sender: str
    status: str
    lines: tuple[ProblemLine, ...]  # the verdict's problems in Chinese, in its order (each with its code)
    items: tuple[ItemCheck, ...]
    received_at: datetime | None  # first email
    last_received_at: datetime | None
    emails: int
    last_reply: ReplyInfo | None
    form: FormFacts | None  # the last 推荐表 (its fields): of the facts, only what is printed
    auto_status: str = ""  # the rules' verdict; ``status`` is the office decision over it
    decision: DecisionInfo | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """The verdict's problem codes, in its order."""
        return tuple(line.code for line in self.lines)

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
