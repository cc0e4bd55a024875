"""Each unit's standing as the office counts it: 名额, 已报, 齐全, 待补充, 逾期, 未报.

Built from the nomination views (``shenbao.office.overview``), so the statuses are the ones shown
everywhere else (an office decision over the automatic verdict). Roster units come first, in
roster order; units that sent nominations but are not in the roster follow, flagged. Read-only;
used by the workbook's per-unit sheet (and meant for the web view's per-unit list).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ingest.names import compact
from notify.views import NominationView
from shenbao.config import Config
from shenbao.register.roster import unit_quota


@dataclass(frozen=True)
class UnitRow:
    name: str
    quota: int | None  # None: no quota applies
    submitted: int  # nominations received from the unit (已报)
    complete: int
    incomplete: int
    late: int
    in_roster: bool

    @property
    def open_places(self) -> int | None:
        """Places of the quota not yet used (未报); None without a quota."""
        return None if self.quota is None else max(self.quota - self.submitted, 0)

    @property
    def remark(self) -> str:
        notes = []
        if not self.in_roster:
            notes.append("不在单位名单中")
        if not self.submitted:
            notes.append("尚未报送")
        if self.quota is not None and self.submitted > self.quota:
            notes.append(f"超出名额{self.submitted - self.quota}名")
        return "；".join(notes)


def unit_rows(config: Config, views: list[NominationView]) -> list[UnitRow]:
    """Every roster unit, then every other unit that nominated someone (in order of first nomination)."""
    by_unit: dict[str, Counter[str]] = {}
    names: dict[str, str] = {}
    for view in views:
        key = compact(view.unit)
        by_unit.setdefault(key, Counter())[view.status] += 1
        names.setdefault(key, view.unit)
    rostered = [(compact(u.name), u.name, True) for u in config.units]
    known = {key for key, _, _ in rostered}
    others = [(key, name, False) for key, name in names.items() if key not in known]
    rows = []
    for key, name, in_roster in rostered + others:
        counts = by_unit.get(key, Counter())
        rows.append(UnitRow(name=name, quota=unit_quota(config, name), submitted=sum(counts.values()),
                            complete=counts["complete"], incomplete=counts["incomplete"], late=counts["late"],
                            in_roster=in_roster))
    return rows
