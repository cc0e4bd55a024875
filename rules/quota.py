"""Requirements that need the whole register: the unit's quota. Pure: the wiring counts.

The wiring ranks a unit's nominations in order of arrival and passes the rank, the count
and the quota as facts (``NominationFacts.arrival_rank``, ``unit_count``, ``quota``); the
nominations beyond the quota get ``quota.exceeded`` (a warning: the office decides).
"""

from __future__ import annotations

from ingest.names import compact

from rules.config import Campaign, Rules
from rules.facts import NominationFacts, Problem


def quota_for(unit_quota: int | None, unit_type: str, rules: Rules) -> int | None:
    """A unit's quota: its own, else its type's, else the default (None = no limit)."""
    if unit_quota is not None:
        return unit_quota
    by_type = rules.quota.by_type.get(compact(unit_type)) if unit_type else None
    return by_type if by_type is not None else rules.quota.default


def check_quota(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    if facts.quota is None or facts.arrival_rank <= facts.quota:
        return []
    detail = {"unit": facts.unit.strip(), "count": facts.unit_count, "quota": facts.quota, "rank": facts.arrival_rank}
    return [Problem("quota.exceeded", detail)]
