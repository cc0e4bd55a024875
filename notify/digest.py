"""Render the office's daily digest (subject, text, HTML) and wrap it as a mail with the register attached.

The data is gathered elsewhere (``shenbao.office.digest_data``) and passed in; this module only formats
times and fills ``templates/digest*.j2``, so the office can change the wording there.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from notify.render import template_env
from notify.wording import format_day_time, format_full_time, to_local

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
