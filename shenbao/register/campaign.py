"""What the register and intake read of a campaign: its settings, its rules and its roster.

Functions below intake take a ``CampaignContext``, not the whole ``Config``: a ``Config`` is one
(its fields match), and so is ``CampaignSettings``, which intake resolves once per email.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rules.config import Campaign, Rules
from shenbao.config import UnitConfig, unit_for_address


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
