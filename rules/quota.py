"""Requirements that need the whole register: the unit's quota. Pure: the wiring counts.

The wiring ranks a unit's nominations in order of arrival and passes the rank, the count
and the quota as facts (``NominationFacts.arrival_rank``, ``unit_count``, ``quota``); the
nominations beyond the quota get ``quota.exceeded`` (a warning: the office decides).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ingest.names import compact

from rules.config import Campaign, Rules
from rules.facts import NominationFacts, Problem


def quota_for(unit_quota: int | None, unit_type: str, rules: Rules) -> int | None:
    """A unit's quota: its own, else its type's, else the default (None = no limit)."""
    if unit_quota is not None:
        return unit_quota
    by_type = rules.quota.by_type.get(compact(unit_type)) if unit_type else None
    return by_type if by_type is not None else rules.quota.default


def counts_toward_quota(candidate: str, rejected: bool) -> bool:
    """Whether a nomination takes a place of its unit's quota: it names a candidate and the office
    has not rejected it (the count of ``quota.exceeded``, the digest and both per-unit tables)."""
    return bool(compact(candidate)) and not rejected


@dataclass(frozen=True)
class UnitTally:
    """One unit's standing: its quota and its counted nominations (已报) by status."""

    name: str
    in_roster: bool
    quota: int | None  # None: no quota applies
    nominated: int  # 已报: nominations that count toward the quota
    complete: int
    incomplete: int
    late: int

    @property
    def open_places(self) -> int | None:
        """未报: places of the quota not nominated yet; None without a quota."""
        return None if self.quota is None else max(self.quota - self.nominated, 0)

    @property
    def over(self) -> int:
        """How many nominations are beyond the quota (0 when none)."""
        return 0 if self.quota is None else max(self.nominated - self.quota, 0)


def unit_tallies(roster: Sequence[str], nominations: Iterable[tuple[str, str, bool]],
                 quota: Callable[[str], int | None]) -> list[UnitTally]:
    """Every roster unit in roster order, then every other unit that sent a nomination, in order of
    its first one. ``nominations``: (unit, status, counts toward the quota) in order of arrival;
    names are matched with ``compact``; ``quota``: a unit's quota by name."""
    names = {compact(name): name for name in roster}
    known = set(names)
    counted: dict[str, Counter[str]] = {}
    for unit, status, counts in nominations:
        key = compact(unit)
        names.setdefault(key, unit)
        tally = counted.setdefault(key, Counter())
        if counts:
            tally[status] += 1
    out = []
    for key, name in names.items():
        tally = counted.get(key, Counter())
        out.append(UnitTally(name, key in known, quota(name), sum(tally.values()), tally["complete"],
                             tally["incomplete"], tally["late"]))
    return out


def check_quota(facts: NominationFacts, rules: Rules, campaign: Campaign) -> list[Problem]:
    if facts.quota is None or facts.arrival_rank <= facts.quota:
        return []
    detail = {"unit": facts.unit.strip(), "count": facts.unit_count, "quota": facts.quota, "rank": facts.arrival_rank}
    return [Problem("quota.exceeded", detail)]
