"""Mails held for the office because their sender may not change the nomination they point at.

``unauthorised`` asks ``rules.authority.may_change`` about every existing nomination an email's
plan would change; ``hold`` registers such an email as ``held:sender`` (its files kept, on no
nomination) and answers only that it was received; ``attach_held`` is the office's
``shenbao attach MAIL NOMINATION``: the held mail's files and body join the nomination after all.
(After the layout change this module belongs in ``shenbao/intake/``.)
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from notify.held import HeldContext, render_held
from rules.authority import HELD_DISPOSITION, Authority, may_change
from shenbao.config import Config
from shenbao.errors import UsageError
from shenbao.intake.matching import MAX_THREAD_IDS, Plan
from shenbao.store.models import Email, Reply, StoredFile, Submission
from shenbao.register.campaign import CampaignContext
from shenbao.register.nominations import find_nomination, link, nominations_of_email, of_campaign, surviving
from shenbao.register.roster import greeting
from shenbao.replies.outbox import enqueue
from shenbao.register.verdict import reevaluate_units
from shenbao.store.db import Store, session_campaign

log = logging.getLogger(__name__)

REPLY_KIND = "held"


def thread_nominations(s: Session, email: Email) -> set[int]:
    """Ids of the nominations our replies that ``email`` answers (In-Reply-To, References) were
    about. A reply to a held mail vouches for nobody: it went to a sender nobody trusted."""
    chain = [i.strip("<>") for i in [email.in_reply_to, *reversed(email.references.split())] if i][:MAX_THREAD_IDS]
    if not chain:
        return set()
    out: set[int] = set()
    for reply in s.exec(select(Reply).where(col(Reply.message_id).in_(chain), col(Reply.kind) != REPLY_KIND)):
        subs = nominations_of_email(s, reply.email_id) if reply.email_id is not None else []
        survivor = (of_campaign(s, surviving(s, s.get(Submission, reply.submission_id)))
                    if reply.submission_id is not None else None)
        if survivor is not None:
            subs.append(survivor)
        out |= {sub.id for sub in subs if sub.id is not None}
    return out


def unit_addresses(ctx: CampaignContext, sub: Submission) -> set[str]:
    """The roster's addresses of the nomination's unit, and of its sender's unit."""
    addresses = {a for u in ctx.units if u.name == sub.unit for a in u.emails}
    sender_unit = ctx.unit_for_sender(sub.sender)
    return addresses | set(sender_unit.emails if sender_unit else ())


def authority(ctx: CampaignContext, email: Email, sub: Submission, thread: set[int]) -> Authority:
    return may_change(email.from_addr, sub.sender, unit_addresses(ctx, sub), sub.id in thread)


def unauthorised(s: Session, ctx: CampaignContext, email: Email, plan: Plan) -> list[tuple[Submission, Authority]]:
    """Every existing nomination ``plan`` would change that ``email``'s sender may not change."""
    existing = [sub for group in plan.groups for sub in (group.target, group.absorb) if sub is not None]
    if not existing:
        return []
    thread = thread_nominations(s, email)
    out = []
    for sub in {sub.id: sub for sub in existing}.values():
        verdict = authority(ctx, email, sub, thread)
        if not verdict.allowed:
            out.append((sub, verdict))
    return out


def hold(s: Session, config: Config, email: Email, refused: list[tuple[Submission, Authority]], now: datetime) -> str:
    """Register ``email`` as held (the caller keeps its files on no nomination) and queue the reply
    that says only "received, the office will check it"."""
    log.info("email %s from %s held for the office: it points at %s, and its sender is %s", email.id,
             email.from_addr, ", ".join(sub.ref for sub, _ in refused), refused[0][1].reason)
    if config.replies.enabled and email.from_addr:
        ctx = HeldContext(campaign_name=config.campaign.name, timezone=config.campaign.timezone,
                          greeting=greeting(config, email, ""), received_at=datetime.fromisoformat(email.received_at),
                          original_subject=email.subject, signature=config.replies.signature,
                          contact=config.replies.contact)
        enqueue(s, config, render_held(ctx), REPLY_KIND, answering=email, email_id=email.id, submission_id=None,
                now=now)
    return HELD_DISPOSITION


def _held_email(s: Session, mail: str) -> Email:
    """A held email by its Message-ID (with or without <>) or its row id."""
    found = s.exec(select(Email).where(col(Email.message_id) == mail.strip().strip("<>"),
                                       col(Email.campaign) == session_campaign(s))).first()
    if found is None and mail.strip().isdigit():
        found = s.get(Email, int(mail.strip()))
        found = found if found is not None and found.campaign == session_campaign(s) else None
    if found is None:
        raise UsageError(f"{mail}: no such mail (give its Message-ID or its email id from `shenbao digest --print`)")
    if found.disposition != HELD_DISPOSITION:
        raise UsageError(f"{mail}: is not a held mail (its disposition is {found.disposition or 'not yet processed'})")
    return found


def attach_held(store: Store, ctx: CampaignContext, mail: str, ref: str, now: datetime) -> tuple[Email, Submission, int]:
    """The office attaches a held mail to a nomination: its files and body join it, the unit is
    re-judged. Nothing is sent (the sender was told the office would check). (email, nomination, files)."""
    with store.session() as s:
        email = _held_email(s, mail)
        sub = find_nomination(s, ref)
        files = _files_on_no_nomination(s, email.id or 0)
        for row in files:
            row.submission_id = sub.id
            s.add(row)
        link(s, email, sub)
        email.disposition = "submission"
        s.add(email)
        s.flush()
        reevaluate_units(s, ctx, {sub.unit}, now)
        s.commit()
        return email, sub, len(files)


def _files_on_no_nomination(s: Session, email_id: int) -> list[StoredFile]:
    query = select(StoredFile).where(StoredFile.email_id == email_id, col(StoredFile.submission_id).is_(None))
    return list(s.exec(query.order_by(col(StoredFile.id))))

