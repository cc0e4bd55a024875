"""The units roster against the register: quotas, who has not submitted, who was nominated twice.

Read-only queries for the digest, ``show`` and the export.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from ingest.addresses import doubted
from rules.quota import quota_for
from ingest.names import compact
from shenbao.config import UnitConfig
from shenbao.register.campaign import CampaignContext
from shenbao.register.nominations import active_rows
from shenbao.store.db import session_campaign
from shenbao.store.models import Email, Submission
from shenbao.store.verdicts import lines_of


def sender_roster_unit(ctx: CampaignContext, email: Email) -> UnitConfig | None:
    """The roster unit whose address sent ``email``; None when its From was doubted (two mailboxes,
    or a display name that is another mailbox's address: ``ingest.addresses``)."""
    if doubted(lines_of(email.defects, f"emails.defects of email {email.id}")):
        return None
    return ctx.unit_for_sender(email.from_addr)


def greeting(ctx: CampaignContext, email: Email, unit: str) -> str:
    """Whom a reply greets: the roster unit that sent ``email`` or that ``unit`` names, else nobody
    (the letter's own "您好"). A sender's display name is never copied into an office letter."""
    roster = sender_roster_unit(ctx, email) or unit_config(ctx, unit)
    return roster.name if roster is not None else ""


def unit_config(ctx: CampaignContext, name: str) -> UnitConfig | None:
    """The roster entry of a unit, by name (spaces ignored)."""
    key = compact(name)
    return next((u for u in ctx.units if compact(u.name) == key), None)


def unit_quota(ctx: CampaignContext, name: str) -> int | None:
    """How many candidates the unit may nominate: its own quota, its type's, or the default."""
    unit = unit_config(ctx, name)
    if unit is None:
        return ctx.rules.quota.default
    return quota_for(unit.quota, unit.type, ctx.rules)


def _active(s: Session) -> list[Submission]:
    query = select(Submission).where(col(Submission.merged_into).is_(None),
                                     col(Submission.campaign) == session_campaign(s))
    return list(s.exec(query.order_by(col(Submission.received_at), col(Submission.id))))


def silent_units(s: Session, ctx: CampaignContext) -> list[UnitConfig]:
    """Roster units that have not submitted anything yet, in roster order (for the digest)."""
    submitted = {compact(row.unit) for row in active_rows(s, columns=[col(Submission.unit)])}
    return [u for u in ctx.units if compact(u.name) not in submitted]


def duplicate_candidates(s: Session) -> dict[str, list[str]]:
    """Candidate name -> references, for every name nominated more than once (by two units, or
    twice by one). Nominations without a name are left out."""
    refs: dict[str, list[str]] = defaultdict(list)
    for sub in _active(s):
        if compact(sub.candidate):
            refs[compact(sub.candidate)].append(sub.ref)
    return {name: found for name, found in refs.items() if len(found) > 1}


def duplicates_of(s: Session, sub: Submission) -> list[str]:
    """The other nominations of the same candidate."""
    return [ref for ref in duplicate_candidates(s).get(compact(sub.candidate), []) if ref != sub.ref]
