"""What the register and intake read of a campaign: its settings, its rules and its roster.

Functions below intake take a ``CampaignContext``, not the whole ``Config``: a ``Config`` is one
(its fields match), and so is ``CampaignSettings``, which intake resolves once per email.

``judged_rules`` is what a verdict is judged by: the config's rules with the winners of the
campaigns named in ``[rules.eligibility] previous_winners_from`` added to ``previous_winners``
(resolved here from the register, so rules/ stays pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select as select_columns
from sqlmodel import Session, col

from rules.config import Campaign, Rules
from shenbao.config import UnitConfig, unit_for_address
from shenbao.store.models import Decision, Submission

_WINNERS = "shenbao.previous_winners"  # Session.info key: the winners looked up in this session


class CampaignContext(Protocol):
    @property
    def campaign(self) -> Campaign: ...  # name, deadline, time zone, reference prefix

    @property
    def rules(self) -> Rules: ...

    @property
    def units(self) -> tuple[UnitConfig, ...]: ...  # the roster

    def unit_for_sender(self, address: str) -> UnitConfig | None: ...


@dataclass(frozen=True)
class CampaignSettings:
    """One campaign's context, taken from a Config once."""

    campaign: Campaign
    rules: Rules
    units: tuple[UnitConfig, ...]

    @classmethod
    def of(cls, ctx: CampaignContext) -> CampaignSettings:
        return cls(ctx.campaign, ctx.rules, ctx.units)

    def unit_for_sender(self, address: str) -> UnitConfig | None:
        return unit_for_address(self.units, address)


def campaign_winners(s: Session, campaign_ids: tuple[str, ...]) -> tuple[str, ...]:
    """"name@unit" of every nomination of those campaigns the office accepted (``shenbao decide``;
    the decision in force, not reopened), in order of reference; once per session."""
    cached = s.info.setdefault(_WINNERS, {})
    if campaign_ids not in cached:
        last = (select_columns(col(Decision.submission_id), func.max(col(Decision.id)).label("id"))
                .group_by(col(Decision.submission_id)).subquery())
        query = (select_columns(col(Submission.candidate), col(Submission.unit))
                 .join(last, last.c.submission_id == col(Submission.id))
                 .join(Decision, col(Decision.id) == last.c.id)
                 .where(col(Submission.campaign).in_(campaign_ids), col(Submission.merged_into).is_(None),
                        col(Decision.action) == "accept", col(Submission.candidate) != "")
                 .order_by(col(Submission.id)))
        cached[campaign_ids] = tuple(f"{candidate}@{unit}" for candidate, unit in s.execute(query))
    return tuple(cached[campaign_ids])


def judged_rules(s: Session, ctx: CampaignContext) -> Rules:
    """``ctx.rules``, with the winners of ``previous_winners_from`` among its previous winners."""
    eligibility = ctx.rules.eligibility
    if not eligibility.previous_winners_from:
        return ctx.rules
    winners = campaign_winners(s, eligibility.previous_winners_from)
    both = eligibility.model_copy(update={"previous_winners": (*eligibility.previous_winners, *winners)})
    return ctx.rules.model_copy(update={"eligibility": both})
