"""Replies about nominations: each shows the nomination's whole current state.

An answer to an email reports every nomination the email went to (one part each when it
carried several candidates); a re-check notice reports one nomination after the rules changed.
Both go through the outbox (``shenbao/replies/outbox.py``: caps, threading, crash safety). Each reply
records what it told about each nomination (``Reply.told``), so a later re-check knows whom the
news concerns.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from notify.render import MaterialLine, Occasion, ReplyContext, render_reply
from notify.render_multi import render_multi
from shenbao.config import Config
from shenbao.register.decisions import reply_kind, shown_problems
from shenbao.store.models import Email, Reply, StoredFile, Submission
from shenbao.register.nominations import emails_of, files_of, latest_decision
from shenbao.replies.outbox import LIVE_STATES, enqueue, material_line
from shenbao.register.verdict import BODY_DEEDS_SOURCE, nomination_facts
from shenbao.register.roster import greeting
from shenbao.store.verdicts import told_json, told_of, verdict_of


def material_lines(files: list[StoredFile]) -> tuple[MaterialLine, ...]:
    return tuple(material_line(f) for f in files)


def pasted_deeds_lines(s: Session, sub: Submission) -> tuple[MaterialLine, ...]:
    """The deeds text pasted into a mail body that counts for ``sub``, as a received item."""
    return tuple(MaterialLine(BODY_DEEDS_SOURCE, "deeds", 0, f"粘贴的文字约{deeds.chars}字")
                 for deeds in nomination_facts(s, sub).deeds if deeds.source == BODY_DEEDS_SOURCE)


def nomination_context(s: Session, config: Config, sub: Submission, answering: Email,
                       occasion: Occasion = "reply") -> ReplyContext:
    """The reply's view of ``sub``: kind and problems after any office decision, current files."""
    decision = latest_decision(s, sub.id)
    current = [f for f in files_of(s, sub) if f.replaced_by is None]
    return ReplyContext(
        kind=reply_kind(sub.status, decision), ref=sub.ref, campaign_name=config.campaign.name,
        deadline=config.campaign.deadline, timezone=config.campaign.timezone, unit=sub.unit, candidate=sub.candidate,
        greeting=greeting(config, answering, sub.unit), received_at=datetime.fromisoformat(answering.received_at),
        problems=shown_problems(verdict_of(sub).problems, decision),
        materials=material_lines(current) + pasted_deeds_lines(s, sub),
        original_subject=answering.subject, signature=config.replies.signature, contact=config.replies.contact,
        occasion=occasion)


def _overall(kinds: list[str]) -> str:
    for kind in ("incomplete", "late", "closed"):
        if kind in kinds:
            return kind
    return "accepted"


def queue_answer(s: Session, config: Config, email: Email, subs: list[Submission], unassigned: list[StoredFile],
                 now: datetime) -> Reply | None:
    """The one reply to ``email``, reporting each nomination it went to."""
    if not config.replies.enabled or not email.from_addr or not subs:
        return None
    parts = [nomination_context(s, config, sub, email) for sub in subs]
    kind: str
    if len(parts) == 1 and not unassigned:
        rendered, kind = render_reply(parts[0]), parts[0].kind
    else:
        letter = ReplyContext(kind="incomplete", ref="", campaign_name=config.campaign.name,
                              deadline=config.campaign.deadline, timezone=config.campaign.timezone, unit=subs[0].unit,
                              candidate="", greeting=greeting(config, email, subs[0].unit), received_at=parts[0].received_at,
                              original_subject=email.subject, signature=config.replies.signature,
                              contact=config.replies.contact)
        rendered, kind = render_multi(letter, parts, material_lines(unassigned)), _overall([p.kind for p in parts])
    return enqueue(s, config, rendered, kind, answering=email, email_id=email.id, submission_id=subs[0].id, now=now,
                   told=told_json(subs))


def last_told(replies: list[Reply], ref: str) -> str | None:
    """What the latest reply that reached (or is on its way to) the sender said about ``ref``."""
    for reply in reversed(replies):
        if reply.state in LIVE_STATES:
            said = told_of(reply.told, reply.id).get(ref)
            if said is not None:
                return said
    return None


def queue_notice(s: Session, config: Config, sub: Submission, now: datetime) -> Reply | None:
    """An updated checklist for ``sub`` after a re-check, in the thread of its latest email."""
    emails = [e for e in emails_of(s, sub) if e.from_addr]
    if not config.replies.enabled or not emails:
        return None
    answering = emails[-1]
    ctx = nomination_context(s, config, sub, answering, occasion="recheck")
    return enqueue(s, config, render_reply(ctx), ctx.kind, answering=answering, email_id=None,
                   submission_id=sub.id, now=now, told=told_json([sub]))
