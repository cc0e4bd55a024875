"""Every problem code of the verdict vocabulary, and whether it blocks completeness.

The Chinese wording of each code lives in ``templates/problems.toml``; a test checks that
every code here has wording there.
"""

from __future__ import annotations

from enum import Enum

from rules.materials import Build, built


class Status(str, Enum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    LATE = "late"


# code -> blocking?  (``form.field_empty`` is a prefix: ``form.field_empty:<字段>``)
CODES: dict[str, bool] = {
    "form.missing": True,
    "form.unreadable": True,
    "form.field_empty": True,
    "credit.missing": True,
    "deeds.missing": True,
    "deeds.too_short": True,
    "photos.missing": True,
    "photos.too_few": True,
    "photos.too_many": False,
    "photos.not_jpeg": True,
    "photos.too_small": True,
    "deadline.late": True,
    "quota.exceeded": False,
    "eligibility.leader": False,
    "eligibility.previous_winner": False,
    "attachment.unreadable": False,
    "attachment.cloud_link": False,
    "candidate.unmatched": True,
    "credit.name_mismatch": True,
    "credit.record_found": False,
    "credit.unreadable": False,
    "form.scan_only": True,
    "photos.duplicate": False,
}


def base_code(code: str) -> str:
    """``form.field_empty:姓名`` -> ``form.field_empty``."""
    return code.split(":", 1)[0]


def is_blocking(code: str) -> bool:
    """Known codes by ``CODES``; a missing material of the table (``rules.materials``) blocks."""
    base = base_code(code)
    if base not in CODES and base in {m.missing_code for m in built(Build.FILE)}:
        return True
    return CODES[base]
