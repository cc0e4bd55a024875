"""The checklist of the notice as the office reads it: one line per material of ``rules.materials``
(its label from ``templates/office.toml`` ``[items]``), ok or not, and what was received."""

from __future__ import annotations

from dataclasses import dataclass

from notify.office import label, summary
from notify.wording import ProblemLine
from rules.codes import base_code
from rules.facts import NominationFacts
from rules.materials import Build, Material, table


@dataclass(frozen=True)
class ItemCheck:
    key: str  # a material's item (``rules.materials``): form | credit | deeds | photos
    label: str  # 推荐表
    ok: bool  # no blocking problem of this item
    summary: str  # "推荐表-张三.docx", "2315字", "3张", "未收到"


def _family(code: str) -> str:
    """The checklist item a problem code belongs to: "photos.too_small" -> "photos"."""
    return base_code(code).split(".", 1)[0]


def _item_summary(material: Material, facts: NominationFacts) -> str:
    if material.build is Build.FORM:
        if not facts.forms:
            return summary("missing")
        form = facts.forms[-1]
        return summary("unreadable") + f"（{form.filename}）" if form.unreadable else form.filename
    if material.build is Build.TEXT:
        best = max(facts.deeds, key=lambda d: d.chars, default=None)
        return summary("chars", chars=best.chars) if best else summary("missing")
    if material.build is Build.FILE:
        names = [file.filename for file in facts.files if file.role == material.role]
        return names[-1] if names else summary("missing")
    count = len(facts.screenshots) if material.build is Build.SCREENSHOT else len(facts.photos)
    return summary("count", count=count) if count else summary("missing")


def checklist(facts: NominationFacts, lines: tuple[ProblemLine, ...]) -> tuple[ItemCheck, ...]:
    """Each material in the table's order; not ok when a blocking problem's code is of its item."""
    wrong = {_family(line.code) for line in lines if line.blocking}
    return tuple(ItemCheck(m.item, label("items", m.item), m.item not in wrong, _item_summary(m, facts))
                 for m in table())
