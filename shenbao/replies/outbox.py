"""The outbox: replies are rendered and committed with the verdict, then sent.

A reply is claimed — ``pending`` to ``sending`` by a compare-and-set, committed — before it is
handed to the server, and marked ``sent`` after. Only a ``pending`` reply can be claimed, so two
senders at once (the daemon's mail loop and its digest job, or a command run beside the daemon)
never both send it. The claim names its owner (host, pid, start time) and holds a lease
(``shenbao/replies/claims.py``). A crash in between leaves it ``sending``: ``recover_interrupted`` — at
the start of the service and before every round of sending — puts back to ``pending`` only the
claims whose owner is gone or whose lease expired, and such a reply is sent once more (at most one
repeat, never a storm). A claim of a live process (``digest --send`` or ``reevaluate --notify``
handing its mail to a slow server while ``run`` starts) is left to it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from email import message_from_bytes, policy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from ingest.addresses import mailbox_key
from notify.reading import credit_note
from notify.render import MaterialLine, RenderedReply, ReplyContext, ReplyKind, build_reply_message, render_reply
from notify.send import Sender
from rules.guards import over_reply_cap
from shenbao.replies.claims import LEASE, machine_now, owner_gone, owner_id
from shenbao.config import Config
from shenbao.errors import PermanentSendError, SendError
from shenbao.store.models import Email, Reply, StoredFile, Submission
from shenbao.store.brief import Brief
from shenbao.store.db import Store, utc_iso
from shenbao.store.verdicts import verdict_of
from shenbao.register.roster import greeting

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LIVE_STATES = ("pending", "sending", "sent")  # sent or on its way: counted against the caps, "replied" in exports


def _materials(s: Session, sub: Submission | None, email: Email) -> tuple[MaterialLine, ...]:
    query = select(StoredFile).where(StoredFile.submission_id == sub.id) if sub else \
        select(StoredFile).where(StoredFile.email_id == email.id)
    return tuple(material_line(f) for f in s.exec(query.order_by(col(StoredFile.id))))


def material_line(f: StoredFile) -> MaterialLine:
    """A received file as the reply lists it; a credit screenshot with what OCR read in it."""
    note = f.unreadable
    if not note and f.role == "screenshot":
        brief = Brief.of_row(f)
        note = credit_note(brief.ocr_state, brief.ocr_text)
    return MaterialLine(f.filename, f.role, f.size, note)


def _recent_sent(s: Session, to_addr: str, now: datetime) -> list[datetime]:
    """When replies of the last day went to this mailbox (``victim+1@``, ``"Victim"@`` are one mailbox)."""
    since = utc_iso(now - timedelta(days=1))
    key = mailbox_key(to_addr)
    same_domain = col(Reply.to_addr).endswith("@" + key.rpartition("@")[2], autoescape=True) if key else \
        col(Reply.to_addr) == to_addr
    rows = s.exec(select(Reply.to_addr, Reply.created_at).where(same_domain, Reply.created_at >= since,
                                                                col(Reply.state).in_(LIVE_STATES)))
    return [datetime.fromisoformat(created) for address, created in rows if mailbox_key(address) == key]


def queue_reply(s: Session, config: Config, email: Email, sub: Submission | None, kind: ReplyKind,
                now: datetime) -> Reply | None:
    """Render the reply to ``email`` and add it to the outbox (in the caller's transaction)."""
    if not config.replies.enabled or not email.from_addr:
        return None
    ctx = ReplyContext(
        kind=kind, ref=sub.ref if sub else "", campaign_name=config.campaign.name,
        deadline=config.campaign.deadline, timezone=config.campaign.timezone,
        unit=sub.unit if sub else "", candidate=sub.candidate if sub else "",
        greeting=greeting(config, email, sub.unit if sub else ""), received_at=datetime.fromisoformat(email.received_at),
        problems=verdict_of(sub).problems if sub else (), materials=_materials(s, sub, email),
        original_subject=email.subject, signature=config.replies.signature, contact=config.replies.contact)
    return enqueue(s, config, render_reply(ctx), kind, answering=email, email_id=email.id,
                   submission_id=sub.id if sub else None, now=now)


def enqueue(s: Session, config: Config, rendered: RenderedReply, kind: str, *, answering: Email, email_id: int | None,
            submission_id: int | None, now: datetime, told: str = "{}") -> Reply:
    """Wrap a rendered reply as a mail to the sender of ``answering``, in its thread, and add it to
    the outbox (in the caller's transaction); over the per-sender cap it is kept as ``suppressed``.
    ``email_id`` links the reply to the email it answers (None for a notice nobody asked for).
    A sender address no reply can go to (malformed, non-ASCII) gives a ``failed`` reply saying why.
    The To header names the roster unit, never the sender's own display name (it could say anything)."""
    try:
        message = build_reply_message(
            rendered, to_addr=answering.from_addr, to_name=greeting(config, answering, ""), from_addr=config.smtp.from_address,
            from_name=config.smtp.from_name, in_reply_to=answering.message_id,
            references=tuple(answering.references.split()), message_id_domain=config.smtp.domain, now=now)
    except PermanentSendError as exc:
        reply = Reply(email_id=email_id, submission_id=submission_id, to_addr=answering.from_addr, kind=kind,
                      subject=rendered.subject, raw=b"", state="failed", last_error=str(exc)[:500],
                      created_at=utc_iso(now), next_attempt_at=utc_iso(now), told=told)
        s.add(reply)
        return reply
    capped = over_reply_cap(_recent_sent(s, answering.from_addr, now), now,
                            per_day=config.replies.max_per_sender_per_day, per_3h=config.replies.max_per_sender_per_3h)
    reply = Reply(email_id=email_id, submission_id=submission_id, to_addr=answering.from_addr, kind=kind,
                  subject=rendered.subject, message_id=str(message["Message-ID"]).strip("<>"), raw=message.as_bytes(),
                  state="suppressed" if capped else "pending", last_error="per-sender reply cap reached" if capped else "",
                  created_at=utc_iso(now), next_attempt_at=utc_iso(now), told=told)
    s.add(reply)
    return reply


def mark_bounced(s: Session, raw: bytes, domain: str) -> int:
    """A delivery report about one of our replies: mark that reply ``bounced``. Returns how many."""
    ids = set(re.findall(rb"<?(shenbao\.[A-Za-z0-9._-]+@" + re.escape(domain.encode()) + rb")>?", raw))
    if not ids:
        return 0
    replies = list(s.exec(select(Reply).where(col(Reply.message_id).in_([i.decode() for i in ids]))))
    for reply in replies:
        reply.state, reply.last_error = "bounced", "退信：对方邮件服务器未能投递"
        s.add(reply)
    return len(replies)


def _backoff(attempts: int, first_seconds: int = 30) -> timedelta:
    return timedelta(seconds=min(3600, first_seconds * 2 ** max(0, attempts - 1)))


def _hourly_count(s: Session, now: datetime) -> int:
    since = utc_iso(now - timedelta(hours=1))
    return len(list(s.exec(select(Reply.id).where(Reply.state == "sent", Reply.sent_at >= since))))


def _claim(s: Session, reply: Reply) -> bool:
    """Mark ``reply`` as sending, only if nobody changed it since it was read (compare and set)."""
    claimed = s.exec(update(Reply).where(col(Reply.id) == reply.id, col(Reply.state) == reply.state,
                                         col(Reply.attempts) == reply.attempts)
                     .values(state="sending", attempts=reply.attempts + 1, claimed_by=owner_id(),
                             lease_until=utc_iso(machine_now() + LEASE)))
    s.commit()
    if claimed.rowcount != 1:
        s.expunge(reply)
        return False
    s.refresh(reply)
    return True


def recover_interrupted(store: Store) -> int:
    """Replies left ``sending`` by a process that died while handing them over (or whose lease
    expired) go back to ``pending``, to be sent once more; a live owner's claims stay. How many."""
    with store.session() as s:
        claims = list(s.exec(select(Reply.id, Reply.claimed_by, Reply.lease_until).where(col(Reply.state) == "sending")))
        expired = utc_iso(machine_now())
        stale = [i for i, owner, lease in claims if owner_gone(owner) or not lease or lease <= expired]
        if not stale:
            return 0
        result = s.exec(update(Reply).where(col(Reply.id).in_(stale), col(Reply.state) == "sending")
                        .values(state="pending", claimed_by="", lease_until=""))
        s.commit()
        count = int(result.rowcount or 0)
    if count:
        log.info("%d reply(ies) interrupted while being sent (their sender is gone or its lease expired): "
                 "they are sent once more", count)
    return count


def send_due(store: Store, config: Config, sender: Sender, now: datetime,
             only: Sequence[int] | None = None) -> tuple[int, int]:
    """Send every due reply (or the due ones among ``only``); returns (sent, failed this round).
    Never raises for one bad reply; safe to run beside another sender (each reply is claimed)."""
    sent = failed = 0
    recover_interrupted(store)  # a claim whose owner died since the start (a digest --send killed) is taken back
    with store.session() as s:
        query = select(Reply).where(col(Reply.state) == "pending", col(Reply.next_attempt_at) <= utc_iso(now))
        if only is not None:
            query = query.where(col(Reply.id).in_(list(only)))
        due = list(s.exec(query.order_by(col(Reply.id))))
        budget = config.replies.max_per_hour - _hourly_count(s, now)
        for reply in due[: max(0, budget)]:
            if not _claim(s, reply):
                continue  # another sender (the digest job, a second process) took it first
            try:
                sender.send(message_from_bytes(reply.raw, policy=policy.SMTP))
            except PermanentSendError as exc:
                reply.state, reply.last_error = "failed", str(exc)[:500]
                failed += 1
            except SendError as exc:
                reply.last_error = str(exc)[:500]
                if reply.attempts >= MAX_ATTEMPTS:
                    reply.state = "failed"
                    failed += 1
                else:
                    retry = _backoff(reply.attempts, config.replies.retry_after_seconds)
                    reply.state, reply.next_attempt_at = "pending", utc_iso(now + retry)
            else:
                reply.state, reply.sent_at, reply.last_error = "sent", utc_iso(now), ""
                sent += 1
            reply.claimed_by, reply.lease_until = "", ""
            s.add(reply)
            s.commit()
    return sent, failed


def local_time(moment_iso: str, zone: str) -> str:
    return datetime.fromisoformat(moment_iso).astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")
