"""Gather the daily digest's data from the register (read-only); ``notify.digest`` renders it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select as select_columns
from sqlmodel import Session, col, select

from notify.digest import (DigestData, EmailLine, FailedReply, UnitLine, Warnings, lines_with_code, nomination_line,
                           same_candidate)
from notify.office import disposition_label, label
from notify.views import NominationView
from rules.authority import HELD_DISPOSITION
from shenbao.config import Config
from shenbao.collector import cycle_collection_paused
from shenbao.store.meta import config_errors
from shenbao.store.models import Email, Reply
from shenbao.register.nominations import arrival_ranks, foreign, refs_by_email
from shenbao.office.overview import nomination_views
from shenbao.register.roster import silent_units, unit_quota
from shenbao.store.db import Store, session_campaign, utc_iso
from shenbao.replies.question import REPLY_KIND as QUESTION_KIND
from shenbao.office.paper import paper_received

FAILED_STATES = ("failed", "bounced")
MAX_LISTED = 50  # longer lists are cut in the mail; the attached register has everything


# plain rows of what an email line shows (not the raw headers an Email object would load)
_EMAIL_COLUMNS = [col(c) for c in (Email.id, Email.received_at, Email.from_addr, Email.from_name, Email.subject,
                                   Email.disposition)]


def _email_line(email: Any, refs: dict[int, list[str]]) -> EmailLine:
    return EmailLine(received_at=datetime.fromisoformat(email.received_at), sender=email.from_addr or email.from_name,
                     subject=email.subject, outcome=disposition_label(email.disposition),
                     ref="、".join(refs.get(email.id or 0, [])), email_id=email.id or 0)


def units_over_quota(s: Session, config: Config, views: list[NominationView]) -> list[UnitLine]:
    """Roster units with more counted nominations than their quota: counted and ranked as the
    ``quota.exceeded`` rule counts them (named, not rejected by the office, in order of arrival)."""
    refs = {view.id: view.ref for view in views}
    out = []
    for unit in config.units:
        quota = unit_quota(config, unit.name)  # own, else by type
        ranks = arrival_ranks(s, unit.name)
        if quota is not None and len(ranks) > quota:
            counted = tuple(refs[sub_id] for sub_id, _ in sorted(ranks.items(), key=lambda item: item[1]))
            out.append(UnitLine(unit.name, len(ranks), quota, counted))
    return out


def _failed_replies(s: Session) -> tuple[FailedReply, ...]:
    rows = s.exec(select(Reply).where(col(Reply.state).in_(FAILED_STATES)).order_by(col(Reply.id)))
    return tuple(FailedReply(r.to_addr, r.subject, label("reply_state", r.state), r.last_error[:200]) for r in rows
                 if not foreign(s, r.email_id, r.submission_id))


def _emails(s: Session, refs: dict[int, list[str]], *conditions: ColumnElement[bool]) -> tuple[EmailLine, ...]:
    query = (select_columns(*_EMAIL_COLUMNS).where(col(Email.campaign) == session_campaign(s), *conditions)
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
        eligibility=lines_with_code(views, timezone, "eligibility."),
        duplicates=same_candidate(views),
        unmatched=unmatched[-MAX_LISTED:],
        held=_emails(s, refs, col(Email.disposition) == HELD_DISPOSITION)[-MAX_LISTED:],
        questions=asked[-MAX_LISTED:],
        cloud_links=lines_with_code(views, timezone, "attachment.cloud_link"),
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
            emails_total=s.execute(select_columns(func.count(col(Email.id))).where(
                col(Email.campaign) == session_campaign(s))).scalar_one(),
            arrived=arrived[-MAX_LISTED:],
            incomplete=tuple(nomination_line(v, zone) for v in views if v.status == "incomplete"),
            late=tuple(nomination_line(v, zone) for v in views if v.status == "late"),
            ready=tuple(nomination_line(v, zone) for v in views if v.status == "complete"),
            units_without=tuple(UnitLine(u.name, 0, u.quota) for u in silent_units(s, config)),
            units_over_quota=tuple(units_over_quota(s, config, views)),
            warnings=_warnings(s, views, refs, zone),
            signature=config.replies.signature, has_roster=bool(config.units),
            paper_received=paper_received(s, views),
        )
