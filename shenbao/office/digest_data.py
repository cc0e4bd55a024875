"""Gather the daily digest's data from the register (read-only); ``notify.digest`` renders it."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select as select_columns
from sqlmodel import Session, col, select

from notify.digest import DigestData, EmailLine, FailedReply, NominationLine, UnitLine, Warnings
from notify.office import disposition_label, label
from rules.authority import HELD_DISPOSITION
from rules.codes import base_code
from shenbao.config import Config, UnitConfig
from shenbao.collector import cycle_collection_paused
from shenbao.store.models import Email, Meta, Reply, Submission
from shenbao.register.nominations import active_rows, arrival_ranks, refs_by_email
from shenbao.office.overview import NominationView, nomination_views
from shenbao.register.roster import unit_quota
from shenbao.store.db import Store, utc_iso
from shenbao.replies.question import REPLY_KIND as QUESTION_KIND
from shenbao.office.paper import paper_received

CONFIG_ERRORS_KEY = "config.errors"  # (+ " <mailbox>") JSON list of lines: a refused config edit (written by the reload)
FAILED_STATES = ("failed", "bounced")
MAX_LISTED = 50  # longer lists are cut in the mail; the attached register has everything


def _line(view: NominationView, timezone: str, problems: tuple[str, ...] | None = None) -> NominationLine:
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


def _with_code(views: list[NominationView], timezone: str, prefix: str) -> tuple[NominationLine, ...]:
    out = []
    for view in views:
        texts = tuple(line.text for line in view.lines if base_code(line.code).startswith(prefix))
        if texts:
            out.append(_line(view, timezone, texts))
    return tuple(out)


# plain rows of what an email line shows (not the raw headers an Email object would load)
_EMAIL_COLUMNS = [col(c) for c in (Email.id, Email.received_at, Email.from_addr, Email.from_name, Email.subject,
                                   Email.disposition)]


def _email_line(email: Any, refs: dict[int, list[str]]) -> EmailLine:
    return EmailLine(received_at=datetime.fromisoformat(email.received_at), sender=email.from_addr or email.from_name,
                     subject=email.subject, outcome=disposition_label(email.disposition),
                     ref="、".join(refs.get(email.id or 0, [])), email_id=email.id or 0)


def units_without_submissions(s: Session, config: Config) -> list[UnitConfig]:
    """Roster units (``[[units]]``) that have no nomination yet, in roster order."""
    named = set(s.exec(select(Submission.unit)))
    return [unit for unit in config.units if unit.name not in named]


def units_over_quota(s: Session, config: Config) -> list[UnitLine]:
    """Roster units with more counted nominations than their quota: counted and ranked as the
    ``quota.exceeded`` rule counts them (named, not rejected by the office, in order of arrival)."""
    refs = {row.id: row.ref for row in active_rows(s)}
    out = []
    for unit in config.units:
        quota = unit_quota(config, unit.name)  # own, else by type
        ranks = arrival_ranks(s, unit.name)
        if quota is not None and len(ranks) > quota:
            counted = tuple(refs[sub_id] for sub_id, _ in sorted(ranks.items(), key=lambda item: item[1]))
            out.append(UnitLine(unit.name, len(ranks), quota, counted))
    return out


def duplicates(views: list[NominationView]) -> list[UnitLine]:
    """A candidate named by more than one nomination (two units, or one unit twice)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for view in views:
        if view.candidate:
            by_name[view.candidate].append(f"{view.unit}（{view.ref}）")
    return [UnitLine(name, len(refs), None, tuple(refs)) for name, refs in by_name.items() if len(refs) > 1]


def _lines(value: str) -> tuple[str, ...]:
    try:
        lines = json.loads(value)
    except ValueError:
        return (value,)
    return tuple(str(line) for line in lines) if isinstance(lines, list) else (str(lines),)


def config_errors(s: Session) -> tuple[str, ...]:
    """Every instance's refused config edit (``shenbao.service.reload``: key ``config.errors
    <mailbox>``, or the bare key); each line names its mailbox when several instances share the register."""
    rows = s.exec(select(Meta).where(or_(col(Meta.key) == CONFIG_ERRORS_KEY,
                                         col(Meta.key).startswith(CONFIG_ERRORS_KEY + " ")))
                  .order_by(col(Meta.key))).all()
    several = len(rows) > 1
    return tuple(f"{mailbox}: {line}" if several and mailbox else line
                 for row in rows for mailbox in (row.key[len(CONFIG_ERRORS_KEY) + 1:],) for line in _lines(row.value))


def _failed_replies(s: Session) -> tuple[FailedReply, ...]:
    rows = s.exec(select(Reply).where(col(Reply.state).in_(FAILED_STATES)).order_by(col(Reply.id)))
    return tuple(FailedReply(r.to_addr, r.subject, label("reply_state", r.state), r.last_error[:200]) for r in rows)


def _emails(s: Session, refs: dict[int, list[str]], *conditions: ColumnElement[bool]) -> tuple[EmailLine, ...]:
    query = (select_columns(*_EMAIL_COLUMNS).where(*conditions)
             .order_by(col(Email.received_at), col(Email.id)))
    return tuple(_email_line(e, refs) for e in s.execute(query))


def _questions(s: Session) -> set[int]:
    """The emails answered as questions (``shenbao.replies.question``)."""
    return {email_id for email_id in s.exec(select(Reply.email_id).where(Reply.kind == QUESTION_KIND)) if email_id}


def _warnings(s: Session, views: list[NominationView], refs: dict[int, list[str]], timezone: str) -> Warnings:
    questions = _questions(s)
    unmatched = _emails(s, refs, col(Email.disposition) == "unmatched", col(Email.id).not_in(list(questions)))
    asked = _emails(s, refs, col(Email.disposition) == "unmatched", col(Email.id).in_(list(questions)))
    return Warnings(
        eligibility=_with_code(views, timezone, "eligibility."),
        duplicates=tuple(duplicates(views)),
        unmatched=unmatched[-MAX_LISTED:],
        held=_emails(s, refs, col(Email.disposition) == HELD_DISPOSITION)[-MAX_LISTED:],
        questions=asked[-MAX_LISTED:],
        cloud_links=_with_code(views, timezone, "attachment.cloud_link"),
        failed_replies=_failed_replies(s)[-MAX_LISTED:],
        errors=_emails(s, refs, col(Email.disposition).startswith("error:"))[-MAX_LISTED:],
        config=config_errors(s),
    )


def gather(store: Store, config: Config, now: datetime, since: datetime | None,
           views: list[NominationView] | None = None) -> DigestData:
    """Everything the digest shows, as of ``now``; ``since`` is the previous digest (None: the first);
    ``views``: ``nomination_views`` when the caller has built them already."""
    with store.session() as s, cycle_collection_paused():
        views = nomination_views(s, config) if views is None else views
        zone = config.campaign.timezone
        refs = refs_by_email(s)  # a mail carrying several candidates names each of them
        counts = {"complete": 0, "incomplete": 0, "late": 0}
        for view in views:
            counts[view.status] = counts.get(view.status, 0) + 1
        arrived = _emails(s, refs, col(Email.stored_at) > utc_iso(since)) if since else _emails(s, refs)
        return DigestData(
            campaign_name=config.campaign.name, timezone=config.campaign.timezone, now=now,
            deadline=config.campaign.deadline, since=since, counts=counts,
            status_labels={status: label("status", status) for status in counts},
            emails_total=s.execute(select_columns(func.count(col(Email.id)))).scalar_one(),
            arrived=arrived[-MAX_LISTED:],
            incomplete=tuple(_line(v, zone) for v in views if v.status == "incomplete"),
            late=tuple(_line(v, zone) for v in views if v.status == "late"),
            ready=tuple(_line(v, zone) for v in views if v.status == "complete"),
            units_without=tuple(UnitLine(u.name, 0, u.quota) for u in units_without_submissions(s, config)),
            units_over_quota=tuple(units_over_quota(s, config)),
            warnings=_warnings(s, views, refs, zone),
            signature=config.replies.signature, has_roster=bool(config.units),
            paper_received=paper_received(s, views),
        )
