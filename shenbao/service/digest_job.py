"""The daily digest as a job: when one is due, composing it, and sending it exactly once.

The digest is due once per ``[digest] time`` in the campaign's time zone (a "slot"). The last
slot handled and the time of the last digest live in the ``meta`` table, so a digest missed
while the machine was off is sent once at the next start, and a restart never sends a second
one for the same slot. The slot is claimed with a compare-and-set in the same transaction that
queues the digest in the outbox: two processes (or the daemon and ``shenbao digest --send``)
can never both send the same slot's digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from notify.digest import build_digest_message, render_digest
from notify.send import Sender
from shenbao.config import Config
from shenbao.office.digest_data import gather
from shenbao.errors import EXPECTED, UsageError
from shenbao.store.meta import meta_value, set_meta
from shenbao.store.models import Meta, Reply
from shenbao.replies.outbox import send_due
from shenbao.office.overview import nomination_views
from shenbao.service.pipeline import Clock
from shenbao.service.wiring import open_sender
from shenbao.store.db import Store, session_campaign, utc_iso
from shenbao.store.migrations import campaign_key
from shenbao.office.xlsx import register_xlsx, xlsx_filename

log = logging.getLogger(__name__)

# per campaign (shenbao.store.migrations.campaign_key): each campaign of a register has its digest
LAST_SLOT_KEY = "digest.last_slot"  # the scheduled time of the last digest sent on schedule (UTC ISO)
LAST_AT_KEY = "digest.last_at"  # when the last digest of any kind was made: "since the last digest"


@dataclass(frozen=True)
class DigestResult:
    queued: bool  # False: this slot's digest had been sent already
    sent: bool
    subject: str = ""
    error: str = ""  # why sending failed (the digest stays in the outbox and is retried)


def digest_trigger(config: Config) -> CronTrigger:
    at = time.fromisoformat(config.digest.time)
    return CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=ZoneInfo(config.campaign.timezone))


def latest_slot(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last time ``trigger`` fires at or before ``now`` (looking back up to two days)."""
    slot = None
    upcoming = trigger.get_next_fire_time(None, now - timedelta(days=2))
    while upcoming is not None and upcoming <= now:
        slot = upcoming
        upcoming = trigger.get_next_fire_time(upcoming, upcoming + timedelta(seconds=1))
    return slot


def slot_handled(last: datetime | None, slot: datetime, zone: str) -> bool:
    """Whether the digest of ``slot`` went out already: that slot, a later one, or an earlier slot
    of the same day (``[digest] time`` was moved later that day: one digest a day, not two)."""
    if last is None:
        return False
    local = ZoneInfo(zone)
    return last >= slot or last.astimezone(local).date() == slot.astimezone(local).date()


def _meta_time(s: Session, key: str) -> datetime | None:
    value = meta_value(s, _own(s, key))
    return datetime.fromisoformat(value) if value else None


def _own(s: Session, key: str) -> str:
    """The session's campaign's own ``key`` (each campaign of a register has its digest)."""
    return campaign_key(key, session_campaign(s))


def _claim_slot(s: Session, slot: datetime) -> bool:
    """Record ``slot`` as handled unless it (or a later one) already is; atomic across processes."""
    key = _own(s, LAST_SLOT_KEY)
    row = s.get(Meta, key)
    if row is None:
        s.add(Meta(key=key, value=utc_iso(slot)))
        try:
            s.flush()
        except IntegrityError:  # another process recorded a slot meanwhile
            s.rollback()
            return False
        return True
    if datetime.fromisoformat(row.value) >= slot:
        return False
    previous = row.value
    s.expunge(row)
    claimed = s.exec(update(Meta).where(col(Meta.key) == key, col(Meta.value) == previous)
                     .values(value=utc_iso(slot)))
    return bool(claimed.rowcount == 1)


def compose(store: Store, config: Config, now: datetime, since: datetime | None) -> EmailMessage:
    """The digest mail as of ``now``, the register attached as .xlsx (one set of nomination views for both)."""
    with store.session() as s:
        views = nomination_views(s, config)
    rendered = render_digest(gather(store, config, now, since, views))
    return build_digest_message(
        rendered, recipients=config.digest.recipients, from_addr=config.smtp.from_address,
        from_name=config.smtp.from_name, attachment=register_xlsx(store, config, views),
        attachment_name=xlsx_filename(config, now), message_id_domain=config.smtp.domain, now=now)


def last_digest_at(store: Store) -> datetime | None:
    with store.session() as s:
        return _meta_time(s, LAST_AT_KEY)


def queue_digest(store: Store, config: Config, now: datetime, slot: datetime | None = None) -> Reply | None:
    """Put the digest in the outbox (and claim ``slot``); None when that slot was handled already."""
    if not config.digest.recipients:
        raise UsageError("digest.recipients is empty: add the office's addresses to [digest] recipients")
    message = compose(store, config, now, last_digest_at(store))
    with store.session() as s:
        if slot is not None and not _claim_slot(s, slot):
            s.rollback()
            return None
        set_meta(s, _own(s, LAST_AT_KEY), utc_iso(now))
        reply = Reply(email_id=None, submission_id=None, to_addr=", ".join(config.digest.recipients), kind="digest",
                      subject=str(message["Subject"]), message_id=str(message["Message-ID"]).strip("<>"),
                      raw=message.as_bytes(), state="pending", created_at=utc_iso(now), next_attempt_at=utc_iso(now))
        s.add(reply)
        s.commit()
        return reply


def send_digest(store: Store, config: Config, sender: Sender, now: datetime,
                slot: datetime | None = None) -> DigestResult:
    """Queue the digest and send it now; a failed send stays queued and the outbox retries it."""
    reply = queue_digest(store, config, now, slot)
    if reply is None or reply.id is None:
        return DigestResult(queued=False, sent=False)
    send_due(store, config, sender, now, only=[reply.id])
    with store.session() as s:
        stored = s.get(Reply, reply.id)
        state, error = (stored.state, stored.last_error) if stored else ("pending", "")
    return DigestResult(queued=True, sent=state == "sent", subject=reply.subject, error="" if state == "sent" else error)


class DigestJob:
    """What the daemon's scheduler calls: send the digest when a slot has passed that was not sent."""

    def __init__(self, store: Store, config: Config, clock: Clock) -> None:
        self.store, self.config, self.clock = store, config, clock

    @property
    def enabled(self) -> bool:
        return bool(self.config.digest.recipients)

    def prepare(self) -> bool:
        """At start: on the very first run, start counting from now (no digest for the past);
        afterwards, say whether a slot was missed while the service was not running."""
        now = self.clock()
        slot = latest_slot(digest_trigger(self.config), now)
        with self.store.session() as s:
            last = _meta_time(s, LAST_SLOT_KEY)
            if last is None:
                set_meta(s, _own(s, LAST_SLOT_KEY), utc_iso(slot or now))
                try:
                    s.commit()
                except IntegrityError:  # another instance on the shared register started at this moment
                    s.rollback()
                return False
        return slot is not None and not slot_handled(last, slot, self.config.campaign.timezone)

    def run_due(self) -> DigestResult | None:
        now = self.clock()
        slot = latest_slot(digest_trigger(self.config), now)
        if slot is None:
            return None
        with self.store.session() as s:
            last = _meta_time(s, LAST_SLOT_KEY)
        if slot_handled(last, slot, self.config.campaign.timezone):
            return None
        result = send_digest(self.store, self.config, open_sender(self.config), now, slot)
        if result.queued:
            log.info("digest for %s: %s%s", slot.isoformat(), "sent" if result.sent else "queued",
                     f" (send failed: {result.error}; the outbox retries)" if result.error else "")
        return result

    def __call__(self) -> bool:
        """The scheduler's entry point: never raises; False when the digest could not be made."""
        try:
            self.run_due()
        except EXPECTED as exc:
            log.error("digest failed: %s", exc)
            return False
        except Exception:  # job boundary: a bug here must not stop the service
            log.exception("digest failed unexpectedly")
            return False
        return True
