"""Each unit's standing as the office counts it (名额, 已报, 齐全, 待补充, 逾期, 未报): one tally for the
workbook's per-unit sheet and the web view's /units page (``rules.quota.unit_tallies``).

Built from the nomination views (``shenbao.office.overview``), so the statuses are the ones shown
everywhere else (an office decision over the automatic verdict); a nomination counts as the quota
counts it (named, not rejected by the office). Read-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from notify.views import NominationView
from rules.quota import UnitTally, counts_toward_quota, unit_tallies
from shenbao.config import Config
from shenbao.register.roster import unit_quota


def unit_rows(config: Config, views: Iterable[NominationView]) -> list[UnitTally]:
    """Every roster unit, then every other unit that nominated someone (in order of first nomination)."""
    nominations = ((v.unit, v.status, counts_toward_quota(v.candidate, v.decision is not None and v.decision.rejected))
                   for v in views)
    return unit_tallies([u.name for u in config.units], nominations, partial(unit_quota, config))


def remark(row: UnitTally) -> str:
    """The workbook's 备注 of a unit."""
    notes = []
    if not row.in_roster:
        notes.append("不在单位名单中")
    if not row.nominated:
        notes.append("尚未报送")
    if row.over:
        notes.append(f"超出名额{row.over}名")
    return "；".join(notes)
