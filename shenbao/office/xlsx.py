"""The register as an Excel workbook for the office: nominations and emails, in Chinese.

One sheet of nominations (unit, candidate, status, the office decision beside the automatic
verdict, each item of the notice, problems in Chinese, the form's fields, when received, the
last reply, the paper copies), one per unit (名额, 已报, 齐全, 待补充, 逾期, 未报) and one of emails. The rows
are gathered here from the register; ``notify.workbook`` renders them (columns, cells, formats).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from notify.office import disposition_label
from notify.safetext import printable
from notify.views import NominationView
from notify.workbook import (EMAIL_HEADER, EMAIL_SHEET, NOMINATION_HEADER, NOMINATION_SHEET, STATUS_FILLS, UNIT_HEADER,
                             UNIT_SHEET, fill_sheet, local_naive, new_workbook, nomination_row)
from shenbao.collector import cycle_collection_paused
from shenbao.config import Config
from shenbao.office.overview import nomination_views
from shenbao.office.paper import PAPER_HEADER, with_paper
from shenbao.office.unit_summary import remark, unit_rows
from shenbao.register.nominations import refs_by_email
from shenbao.replies.outbox import LIVE_STATES
from shenbao.store.db import Store, session_campaign
from shenbao.store.models import Email, Reply


def _unit_rows(config: Config, views: list[NominationView]) -> list[list[Any]]:
    return [[row.name or "（单位未识别）", row.quota, row.nominated, row.complete, row.incomplete, row.late,
             row.open_places, remark(row)] for row in unit_rows(config, views)]


def _email_rows(s: Session, zone: ZoneInfo) -> list[list[Any]]:
    refs = refs_by_email(s)  # a mail carrying several candidates names each of them
    replied = set(s.exec(select(Reply.email_id).where(col(Reply.state).in_(LIVE_STATES))))
    columns = (Email.id, Email.received_at, Email.from_addr, Email.from_name, Email.subject, Email.disposition,
               Email.message_id)  # plain rows: not the raw headers and bodies an Email object would load
    query = select_columns(*(col(c) for c in columns)).where(col(Email.campaign) == session_campaign(s)).order_by(
        col(Email.received_at), col(Email.id))
    return [[local_naive(datetime.fromisoformat(e.received_at), zone), printable(e.from_addr), printable(e.from_name),
             printable(e.subject),
             disposition_label(e.disposition), "、".join(refs.get(e.id, [])), "是" if e.id in replied else "否",
             printable(e.message_id)] for e in s.execute(query)]


def register_xlsx(store: Store, config: Config, views: list[NominationView] | None = None) -> bytes:
    """The whole register as .xlsx bytes: the nominations, units and emails sheets (``views``:
    ``nomination_views`` when the caller has built them already)."""
    zone = ZoneInfo(config.campaign.timezone)
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    with store.session() as s, cycle_collection_paused():
        views = nomination_views(s, config) if views is None else views
        status = (NOMINATION_HEADER.index("状态"), [STATUS_FILLS.get(v.status, "") for v in views])
        rows = with_paper(s, views, [nomination_row(v, config.campaign.timezone) for v in views])
        fill_sheet(wb, NOMINATION_SHEET, NOMINATION_HEADER + [PAPER_HEADER], rows, freeze="D2", fills=status)
        fill_sheet(wb, UNIT_SHEET, UNIT_HEADER, _unit_rows(config, views), freeze="B2")
        del views
        fill_sheet(wb, EMAIL_SHEET, EMAIL_HEADER, _email_rows(s, zone), freeze="A2")
        wb.set_properties({"title": f"{config.campaign.name} 推荐登记表", "author": "shenbao"})
        wb.close()  # assembles the sheets' XML: as many objects again
    return buffer.getvalue()


def xlsx_filename(config: Config, now: datetime) -> str:
    local = now.astimezone(ZoneInfo(config.campaign.timezone))
    return f"推荐登记表_{local:%Y%m%d_%H%M}.xlsx"

