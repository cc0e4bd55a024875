"""``export --format csv``: the nominations for people, in Chinese — the workbook's nominations
sheet as CSV (same columns, statuses and problem wording), the problem codes in a last column.

The JSON export stays the machine contract (DESIGN.md); this file is for Excel, WPS and people.
UTF-8 with BOM so both open the Chinese correctly; no cell from mail becomes a formula there.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shenbao.config import Config
from shenbao.office.export import csv_cell
from shenbao.office.overview import NominationView
from shenbao.office.xlsx import NOMINATION_HEADER, nomination_header, nomination_row

CSV_HEADER = [*NOMINATION_HEADER, "问题代码"]  # of the project's materials


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return "" if value is None else value


def people_csv(views: list[NominationView], config: Config) -> str:
    zone = ZoneInfo(config.campaign.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*nomination_header(), CSV_HEADER[-1]])
    for view in views:
        row = [*nomination_row(view, config, zone), " ".join(p.code for p in view.problems)]
        writer.writerow([csv_cell(_text(value)) for value in row])
    return "\ufeff" + buffer.getvalue()
