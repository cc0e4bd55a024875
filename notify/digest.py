"""Render the office's daily digest (subject, text, HTML) and wrap it as a mail with the register attached.

The data is gathered elsewhere (``shenbao.office.digest_data``) and passed in; this module shapes the
nominations' views into its lines, formats times and fills ``templates/digest*.j2``, so the office can
change the wording there.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from notify.render import template_env
from notify.views import NominationView
from notify.wording import format_day_time, format_full_time, to_local
from rules.codes import base_code

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class NominationLine:
    ref: str
    unit: str
    candidate: str
    status: str  # Chinese label
    items: tuple[tuple[str, bool, str], ...] = ()  # (label, ok, summary) of each checklist item
    problems: tuple[str, ...] = ()  # Chinese problem texts
    last_told: datetime | None = None  # when the unit was last written to about it
    last_told_as: str = ""  # "补充材料清单（已发送）"
    decision: str = ""  # the office decision in words ("受理（王老师，2021年5月7日10:00 北京时间）：…"), "" for none
    auto_status: str = ""  # with a decision: the rules' verdict (Chinese label), kept visible beside it


@dataclass(frozen=True)
class EmailLine:
    received_at: datetime
    sender: str
    subject: str
    outcome: str  # Chinese disposition label
    ref: str = ""
    email_id: int = 0  # for `shenbao attach`


@dataclass(frozen=True)
class UnitLine:
    name: str
    count: int = 0
    quota: int | None = None
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class FailedReply:
    to_addr: str
    subject: str
    state: str  # Chinese label
    error: str = ""


@dataclass(frozen=True)
class Warnings:
    eligibility: tuple[NominationLine, ...] = ()  # problems = the eligibility wording
    duplicates: tuple[UnitLine, ...] = ()  # name = candidate, refs = the nominations naming them
    unmatched: tuple[EmailLine, ...] = ()
    held: tuple[EmailLine, ...] = ()  # held:sender: a follow-up from someone the nomination does not trust
    questions: tuple[EmailLine, ...] = ()  # question mails: answered with the deadline, a person should reply
    cloud_links: tuple[NominationLine, ...] = ()
    failed_replies: tuple[FailedReply, ...] = ()
    errors: tuple[EmailLine, ...] = ()  # mails whose processing failed
    config: tuple[str, ...] = ()  # a config edit that was refused (the old config still applies)

    @property
    def count(self) -> int:
        return sum(len(getattr(self, name)) for name in ("eligibility", "duplicates", "unmatched", "held", "questions",
                                                         "cloud_links", "failed_replies", "errors", "config"))


def nomination_line(view: NominationView, timezone: str, problems: tuple[str, ...] | None = None) -> NominationLine:
    """A nomination as the digest lists it: with what is still to be put right, or ``problems``."""
    reply = view.last_reply
    decided = view.decision is not None
    return NominationLine(
        ref=view.ref, unit=view.unit, candidate=view.candidate, status=view.status_label,
        items=tuple((item.label, item.ok, item.summary) for item in view.items),
        problems=tuple(line.text for line in view.open_lines) if problems is None else problems,
        last_told=reply.at if reply else None,
        last_told_as=f"{reply.kind_label}（{reply.state_label}）" if reply else "",
        decision=view.decision.text(timezone) if view.decision is not None else "",
        auto_status=view.auto_status_label if decided else "")


def lines_with_code(views: list[NominationView], timezone: str, prefix: str) -> tuple[NominationLine, ...]:
    """The nominations with a problem whose code starts with ``prefix``, each with those problems only."""
    out = []
    for view in views:
        texts = tuple(line.text for line in view.lines if base_code(line.code).startswith(prefix))
        if texts:
            out.append(nomination_line(view, timezone, texts))
    return tuple(out)


def same_candidate(views: list[NominationView]) -> tuple[UnitLine, ...]:
    """A candidate named by more than one nomination (two units, or one unit twice)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for view in views:
        if view.candidate:
            by_name[view.candidate].append(f"{view.unit}（{view.ref}）")
    return tuple(UnitLine(name, len(refs), None, tuple(refs)) for name, refs in by_name.items() if len(refs) > 1)


@dataclass(frozen=True)
class DigestData:
    campaign_name: str
    timezone: str
    now: datetime
    deadline: datetime
    since: datetime | None  # the previous digest; None for the first
    counts: dict[str, int]  # status -> nominations
    status_labels: dict[str, str]
    emails_total: int
    arrived: tuple[EmailLine, ...] = ()
    incomplete: tuple[NominationLine, ...] = ()
    late: tuple[NominationLine, ...] = ()
    ready: tuple[NominationLine, ...] = ()
    units_without: tuple[UnitLine, ...] = ()
    units_over_quota: tuple[UnitLine, ...] = ()
    warnings: Warnings = field(default_factory=Warnings)
    signature: str = ""
    has_roster: bool = True  # False: no [[units]], so nobody can be reported as not having sent anything
    paper_received: int | None = None  # nominations whose paper copies of the form arrived (None: not shown)


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def days_left(now: datetime, deadline: datetime, timezone: str) -> int:
    """Calendar days from today to the deadline's day in the campaign's zone (0 = today, < 0 = past)."""
    return (to_local(deadline, timezone).date() - to_local(now, timezone).date()).days


def render_digest(data: DigestData) -> RenderedDigest:
    zone = data.timezone
    values = {
        "d": data,
        "w": data.warnings,
        "total": sum(data.counts.values()),
        "days_left": days_left(data.now, data.deadline, zone),
        "today": f"{to_local(data.now, zone).month}月{to_local(data.now, zone).day}日",
        "now": format_full_time(data.now, zone),
        "deadline": format_full_time(data.deadline, zone),
        "since": format_day_time(data.since, zone) if data.since else "",
        "timezone": zone,
    }
    env = template_env()
    subject = env.get_template("digest_subject.j2").render(values)
    return RenderedDigest(subject=" ".join(subject.split()), text=env.get_template("digest.txt.j2").render(values),
                          html=env.get_template("digest.html.j2").render(values))


def build_digest_message(rendered: RenderedDigest, *, recipients: Sequence[str], from_addr: str, from_name: str,
                         attachment: bytes, attachment_name: str, message_id_domain: str,
                         now: datetime) -> EmailMessage:
    """multipart/mixed: the digest (text + HTML) and the register as .xlsx; ``Auto-Submitted: auto-generated``."""
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=" ".join(from_name.split()), addr_spec=from_addr)
    message["To"] = ", ".join(recipients)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<shenbao.digest.{uuid.uuid4().hex}@{message_id_domain.strip() or 'localhost'}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    message.add_attachment(attachment, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment_name)
    return message
