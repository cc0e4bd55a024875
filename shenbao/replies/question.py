"""A plain question mail (no material, no nomination): answered with a pointer to the notice and
the deadline (``notify.question``), and shown to the office in the digest as a question to answer."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from notify.question import LetterContext, render_question
from rules.question import is_question
from ingest.quotes import unquoted
from shenbao.config import Config
from shenbao.store.models import Email, Reply
from shenbao.register.roster import greeting
from shenbao.replies.outbox import enqueue

REPLY_KIND = "question"


def asks_something(email: Email, body: str) -> bool:
    """Whether the mail's subject or the sender's own words (not the quoted mail below) ask a question."""
    return is_question(email.subject, unquoted(body))


def answer_question(s: Session, config: Config, email: Email, now: datetime) -> Reply | None:
    """Queue the short answer to a question mail (in the caller's transaction)."""
    if not config.replies.enabled or not email.from_addr:
        return None
    ctx = LetterContext(
        campaign_name=config.campaign.name, deadline=config.campaign.deadline, timezone=config.campaign.timezone,
        greeting=greeting(config, email, ""), received_at=datetime.fromisoformat(email.received_at),
        original_subject=email.subject, signature=config.replies.signature, contact=config.replies.contact)
    return enqueue(s, config, render_question(ctx), REPLY_KIND, answering=email, email_id=email.id,
                   submission_id=None, now=now)
