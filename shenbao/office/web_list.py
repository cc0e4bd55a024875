"""The web view's list of nominations (filters, search, sorting, flags) and its per-unit view.

Everything is worked out on the server (the pages carry no scripts): a filter, a search and
a sort are query parameters, and every count on the page is of what the filter and the search
left. A nomination is flagged when its unit is not in the roster (``[[units]]``) or its sender
is not one of the roster's addresses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from notify.office import label
from notify.views import DecisionInfo, NominationView
from rules.quota import UnitTally
from ingest.names import compact
from shenbao.config import Config
from shenbao.office.marks import PaperInfo, paper_info
from shenbao.office.overview import nomination_views
from shenbao.office.paper import latest_papers
from shenbao.office.unit_summary import unit_rows as tallies
from shenbao.register.roster import unit_config

STATUSES = ("complete", "incomplete", "late")
SORTS: dict[str, tuple[str, Callable[[ListRow], Any]]] = {
    "ref": ("编号", lambda r: r.view.ref),
    "unit": ("推荐单位", lambda r: (r.view.unit, r.view.ref)),
    "candidate": ("候选人", lambda r: (r.view.candidate, r.view.ref)),
    "status": ("状态", lambda r: (STATUSES.index(r.view.status) if r.view.status in STATUSES else 9, r.view.ref)),
    "paper": ("纸质推荐表", lambda r: (r.paper.received, r.view.ref)),
    "received": ("最近收到", lambda r: (r.view.last_received_at.isoformat() if r.view.last_received_at else "", r.view.ref)),
}


@dataclass(frozen=True)
class ListRow:
    view: NominationView
    paper: PaperInfo
    flags: tuple[str, ...]  # 单位不在名单中 …

    @property
    def decision(self) -> DecisionInfo | None:
        return self.view.decision

    @property
    def auto_label(self) -> str:
        """The rules' verdict, beside a decision that overrides it."""
        return self.view.auto_status_label


@dataclass(frozen=True)
class ListQuery:
    status: str = ""
    text: str = ""
    unit: str = ""
    sort: str = "ref"
    descending: bool = False

    @classmethod
    def of(cls, query: dict[str, list[str]]) -> ListQuery:
        def one(key: str) -> str:
            return query.get(key, [""])[0].strip()[:50]
        sort = one("sort")
        return cls(status=one("status") if one("status") in STATUSES else "", text=one("q"), unit=one("unit"),
                   sort=sort if sort in SORTS else "ref", descending=one("order") == "desc")

    def matches(self, row: ListRow) -> bool:
        v = self.text
        found = not v or v in row.view.unit or v in row.view.candidate or v in row.view.ref or v in row.view.sender
        return found and (not self.unit or compact(row.view.unit) == compact(self.unit))

    def link(self, **change: str) -> str:
        """This page's query string with ``change`` applied."""
        values = {"status": self.status, "q": self.text, "unit": self.unit, "sort": self.sort,
                  "order": "desc" if self.descending else ""}
        values.update(change)
        return urlencode({key: value for key, value in values.items() if value and not (key == "sort" and value == "ref")})


def roster_flags(config: Config, view: NominationView) -> tuple[str, ...]:
    """What is odd about where the nomination came from, against the roster (none without a roster)."""
    if not config.units:
        return ()
    flags = []
    if unit_config(config, view.unit) is None:
        flags.append(label("flags", "unit_outside"))
    owner = config.unit_for_sender(view.sender) if view.sender else None
    if view.sender and owner is None:
        flags.append(label("flags", "sender_outside"))
    elif owner is not None and compact(owner.name) != compact(view.unit):
        flags.append(label("flags", "sender_other_unit").replace("{unit}", owner.name))
    return tuple(flags)


def list_rows(s: Session, config: Config) -> list[ListRow]:
    zone = config.campaign.timezone
    views = nomination_views(s, config)
    papers = latest_papers(s)
    return [ListRow(v, paper_info(papers.get(v.id), zone), roster_flags(config, v)) for v in views]


def list_values(rows: list[ListRow], query: ListQuery) -> dict[str, Any]:
    """What ``web_list.html.j2`` shows for ``query``."""
    searched = [r for r in rows if query.matches(r)]
    shown = [r for r in searched if not query.status or r.view.status == query.status]
    shown.sort(key=SORTS[query.sort][1], reverse=query.descending)
    sorts = {key: (name, query.link(sort=key, order="desc" if key == query.sort and not query.descending else ""))
             for key, (name, _) in SORTS.items()}  # a column's link: sort by it, or the other way round
    return {"rows": shown, "total": len(rows), "searched": len(searched), "query": query, "sorts": sorts,
            "counts": {st: sum(1 for r in searched if r.view.status == st) for st in STATUSES},
            "statuses": [(st, label("status", st)) for st in STATUSES],
            "flagged": sum(1 for r in shown if r.flags)}


def unit_rows(config: Config, rows: list[ListRow]) -> list[tuple[UnitTally, int]]:
    """Each unit's tally (``unit_summary.unit_rows``, as in the workbook) with its paper copies received."""
    papers = Counter(compact(r.view.unit) for r in rows if r.paper.received)
    return [(tally, papers[compact(tally.name)]) for tally in tallies(config, [r.view for r in rows])]
