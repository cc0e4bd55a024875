"""A mail too large to download: recorded from its header block and answered ("邮件过大")."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from notify.oversize import OversizeContext, render_oversize
from shenbao.config import Config
from shenbao.store.models import Email, Reply
from shenbao.replies.outbox import enqueue
from shenbao.register.verdict import ref_tag_pattern
from shenbao.register.roster import greeting

DISPOSITION = "error:oversize"
REPLY_KIND = "oversize"


def answer_oversize(s: Session, config: Config, email: Email, now: datetime) -> Reply | None:
    """Queue the polite "too large" reply to ``email`` (headers already filled, guards passed)."""
    if not config.replies.enabled or not email.from_addr:
        return None
    tag = ref_tag_pattern(config.campaign.reference_prefix).search(email.subject)
    ctx = OversizeContext(
        campaign_name=config.campaign.name, deadline=config.campaign.deadline, timezone=config.campaign.timezone,
        greeting=greeting(config, email, ""), received_at=datetime.fromisoformat(email.received_at),
        original_subject=email.subject, size=email.size, limit=config.mailbox.max_message_bytes,
        min_photo_bytes=config.rules.photos.min_bytes, ref=tag.group(1) if tag else "",
        signature=config.replies.signature, contact=config.replies.contact)
    return enqueue(s, config, render_oversize(ctx), REPLY_KIND, answering=email, email_id=email.id,
                   submission_id=None, now=now)
